package dev.faas.core;

import java.util.Map;

/**
 * A snapshot of a runtime, from {@link FaasRuntime#status()}: for dashboards, health checks and
 * tests. Each figure is read on its own, so under load they need not add up exactly.
 *
 * @param concurrencyLimit the global concurrency limit
 * @param unreservedConcurrency the shared pool: the limit less every function's reservation
 * @param concurrentExecutions concurrency slots in use across all functions, orphaned threads included
 * @param orphanedThreads threads still running after the runtime gave up on their call (a timeout)
 * @param functions every deployed function by name
 */
public record RuntimeStatus(
        int concurrencyLimit,
        int unreservedConcurrency,
        int concurrentExecutions,
        int orphanedThreads,
        Map<String, FunctionStatus> functions) {

    /** Copies the map. */
    public RuntimeStatus {
        functions = Map.copyOf(functions);
    }
}
