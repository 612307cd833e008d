package dev.faas.api;

/**
 * An event source (HTTP, schedule, queue, file drop, event bus) that turns what happens outside
 * into invocations. A trigger knows only the {@link Invoker} it is started with, so it can be
 * written against this package alone.
 */
public interface Trigger extends AutoCloseable {

    /** A name for logs and errors, such as {@code "http:8080"} or {@code "schedule:nightly"}. */
    String name();

    /**
     * Begins delivering events to {@code invoker}.
     *
     * @param invoker where to send invocations
     */
    void start(Invoker invoker);

    /** Stops taking new events; deliveries in flight finish. */
    @Override
    void close();
}
