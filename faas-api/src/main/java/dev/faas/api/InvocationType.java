package dev.faas.api;

/** How an invocation was requested, as Lambda's {@code InvocationType} parameter. */
public enum InvocationType {
    /** Synchronous: the caller waits for the output or the failure. */
    REQUEST_RESPONSE,
    /** Asynchronous: queued, retried on failure, routed to destinations; the caller gets a request id. */
    EVENT,
    /** Validation only: the function exists, is enabled and accepts the payload type; nothing runs. */
    DRY_RUN
}
