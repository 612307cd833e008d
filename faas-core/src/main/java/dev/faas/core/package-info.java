/**
 * The engine. {@link dev.faas.core.FaasRuntime} is the entry point: build one, deploy
 * {@link dev.faas.api.FunctionSpec}s, and call them through the {@link dev.faas.api.FunctionRef}s
 * it returns or, by name, through its {@link dev.faas.api.Invoker} methods. Behind it, every class is
 * package-private: admission ({@code Limiter}), execution environments ({@code EnvironmentPool}),
 * the per-call state machine ({@code Invocation}) and its deadlines ({@code Deadlines}), the ledger
 * ({@code RuntimeLedger}) and the tracking of every thread the runtime runs ({@code WorkTracker}),
 * which quiescence and the drain on close are built on.
 */
package dev.faas.core;
