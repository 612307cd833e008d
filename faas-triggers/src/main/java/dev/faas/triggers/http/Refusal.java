package dev.faas.triggers.http;

import java.util.Map;

/** What ends a request early: the status, and the error body's type and message. */
final class Refusal extends Exception {
    @java.io.Serial
    private static final long serialVersionUID = 1L;

    final int status;
    final String errorType;
    /** Headers the refusal carries, such as {@code Allow} or {@code Retry-After}. */
    final transient Map<String, String> headers;

    Refusal(int status, String errorType, String message) {
        this(status, errorType, message, Map.of());
    }

    Refusal(int status, String errorType, String message, Map<String, String> headers) {
        super(message, null, false, false); // no stack: a refusal is an answer, not a failure
        this.status = status;
        this.errorType = errorType;
        this.headers = headers;
    }
}
