/**
 * The faas contract. A function is a {@link dev.faas.api.Handler} created by a
 * {@link dev.faas.api.HandlerFactory} once per execution environment, described by a
 * {@link dev.faas.api.FunctionSpec} (name, payload types, {@link dev.faas.api.FunctionConfig}) and
 * called through a {@link dev.faas.api.FunctionRef} or, by name, through an
 * {@link dev.faas.api.Invoker}; a {@link dev.faas.api.Trigger} is an event source that talks to an
 * Invoker only. Every failure is an unchecked {@link dev.faas.api.FaasException} whose message says
 * what to fix. Time reaches the runtime through a {@link dev.faas.api.TimeSource}; a
 * {@link dev.faas.api.ManualClock} lets tests and simulations move it by hand.
 */
package dev.faas.api;
