package dev.faas.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What an EVENT invocation's destination receives, and what the dead-letter store holds: the
 * request, how it ended, and the response or the error. A destination is a deployed function whose
 * input type is this class.
 *
 * @param requestId the event's request id
 * @param function the function the event was for
 * @param condition why the event is delivered here
 * @param attempts how many times it ran
 * @param requestPayload the event's input ({@code null} only for a function whose input type is {@link Void})
 * @param responsePayload the last output, on success
 * @param errorType the class name of the last error, on failure
 * @param errorMessage the message of the last error, on failure
 * @param timestamp when the event was routed here
 */
public record DestinationEvent(
        String requestId,
        String function,
        Condition condition,
        int attempts,
        Object requestPayload,
        Optional<Object> responsePayload,
        Optional<String> errorType,
        Optional<String> errorMessage,
        Instant timestamp) {

    /** Checks that no component but {@code requestPayload} is null. */
    public DestinationEvent {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(function, "function");
        Objects.requireNonNull(condition, "condition");
        Objects.requireNonNull(responsePayload, "responsePayload");
        Objects.requireNonNull(errorType, "errorType");
        Objects.requireNonNull(errorMessage, "errorMessage");
        Objects.requireNonNull(timestamp, "timestamp");
    }

    /** Why an event reached a destination or the dead-letter store. */
    public enum Condition {
        /** It ran successfully (the onSuccess destination). */
        SUCCESS,
        /** Its last permitted try failed. */
        RETRIES_EXHAUSTED,
        /** It waited longer than the function's maximum event age. */
        EVENT_AGE_EXCEEDED,
        /** The runtime closed before it could run. */
        SHUTDOWN
    }
}
