package dev.faas.api;

import java.io.Serial;
import java.time.Duration;
import java.util.Objects;

/**
 * The call was refused before it ran because a limit was reached, as Lambda's 429 responses. Nothing
 * ran and nothing is billed; trying again later may succeed. Cheap to throw: no stack trace, and
 * the message is built only when read.
 */
public class ThrottledException extends FaasException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final Reason reason;
    private final long limit;
    private final Duration retryAfter;

    /**
     * Creates the exception.
     *
     * @param functionName the function that was called
     * @param reason which limit was reached
     * @param limit the value of that limit (executions, MB, or queued events; for HEAP_PRESSURE, how full the
     *              heap is, in percent)
     * @param retryAfter a hint for when to try again; {@link Duration#ZERO} when none
     */
    public ThrottledException(String functionName, Reason reason, long limit, Duration retryAfter) {
        super(null, functionName);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.limit = limit;
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    /** Which limit was reached. */
    public Reason reason() {
        return reason;
    }

    /**
     * The value of the limit that was reached, by {@link #reason()}: executions, MB, or queued events;
     * for HEAP_PRESSURE, how full the heap was after the last collection, in percent.
     */
    public long limit() {
        return limit;
    }

    /** A hint for when to try again; {@link Duration#ZERO} when there is none. */
    public Duration retryAfter() {
        return retryAfter;
    }

    @Override
    public String getMessage() {
        String function = functionName().orElse("?");
        return switch (reason) {
            case CONCURRENCY ->
                "function '" + function + "' throttled: all " + limit
                        + " concurrent executions of the shared pool are in use; retry later, or raise the runtime's"
                        + " concurrencyLimit";
            case RESERVED_CONCURRENCY ->
                limit == 0
                        ? "function '" + function + "' throttled: its reservedConcurrency is 0, which disables it"
                        : "function '" + function + "' throttled: all " + limit
                                + " of its reserved concurrent executions"
                                + " are in use; retry later, or raise its reservedConcurrency";
            case MEMORY ->
                "function '" + function + "' throttled: its memory does not fit in what is left of the " + limit
                        + " MB memory capacity; retry later, or raise the runtime's memoryCapacityMb";
            case HEAP_PRESSURE ->
                "function '" + function + "' throttled: the heap is " + limit
                        + "% full; retry later, or give the JVM more heap";
            case QUEUE_FULL ->
                "function '" + function + "' throttled: its event queue holds " + limit
                        + " events, its maxQueuedEvents; retry later, or raise maxQueuedEvents";
        };
    }

    /** Which limit refused the call; these mirror the reasons of Lambda's 429 responses. */
    public enum Reason {
        /** The shared concurrency pool (the global limit less all reservations) was full. */
        CONCURRENCY,
        /** The function's reserved concurrency was in use, or is 0. */
        RESERVED_CONCURRENCY,
        /** The runtime's memory capacity had no room for the function's memoryMb. */
        MEMORY,
        /** The heap-pressure guard is refusing new calls. */
        HEAP_PRESSURE,
        /** The function's EVENT queue was full. */
        QUEUE_FULL
    }
}
