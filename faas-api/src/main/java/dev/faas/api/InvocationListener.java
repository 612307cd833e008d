package dev.faas.api;

/**
 * Hears what a runtime does, for test harnesses, auditing and tracing: the report of every invocation
 * that ran, and every {@link DestinationEvent} the runtime made (for a destination, the dead-letter
 * store, or the events left at close). Reports are made for listeners only: a runtime without one
 * pays nothing.
 *
 * <p>A host implements it and hands it to the runtime's builder ({@code FaasRuntime.Builder.listener}
 * in faas-core). Called on the invocation's own thread, before its caller sees the outcome, so a
 * listener must be quick and thread-safe. What it throws, an {@code Error} included, is logged and
 * ignored: the call and the other listeners go on as if it had returned.
 */
public interface InvocationListener {

    /**
     * One invocation's outcome, as {@code invokeForReport} would return it.
     *
     * @param report the report
     */
    default void onInvocation(InvocationReport report) {}

    /**
     * An EVENT invocation's result on its way to a destination, the dead-letter store, or the host
     * (events left at close).
     *
     * @param event the destination event
     */
    default void onDestinationEvent(DestinationEvent event) {}
}
