package dev.faas.core;

import java.util.OptionalInt;

/**
 * A snapshot of one deployed function, from {@link FaasRuntime#status()}.
 *
 * @param name the function's name
 * @param concurrentExecutions concurrency slots in use, orphaned threads included
 * @param environments execution environments alive (busy or idle)
 * @param idleEnvironments environments waiting for a call
 * @param provisionedEnvironments provisioned environments alive
 * @param reservedConcurrency the function's reservation, if it has one
 */
public record FunctionStatus(
        String name,
        int concurrentExecutions,
        int environments,
        int idleEnvironments,
        int provisionedEnvironments,
        OptionalInt reservedConcurrency) {}
