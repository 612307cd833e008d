package dev.faas.api;

import java.io.Serial;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The root of every exception the runtime throws. Unchecked; each subtype's message says what
 * happened and what to do about it, and carries the function and the request id where known.
 */
public class FaasException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final @Nullable String functionName;
    private final @Nullable String requestId;

    /**
     * Creates an exception.
     *
     * @param message what happened and what to do
     * @param functionName the function concerned, or null when none
     * @param requestId the invocation concerned, or null when none
     * @param cause the underlying failure, or null
     */
    protected FaasException(
            String message, @Nullable String functionName, @Nullable String requestId, @Nullable Throwable cause) {
        super(message, cause);
        this.functionName = functionName;
        this.requestId = requestId;
    }

    /**
     * Creates an exception without a stack trace or suppression: for rejections on the hot path,
     * where the trace says nothing and filling it costs more than the rest of the call.
     *
     * @param message what happened and what to do, or null for a subtype that makes it in
     *     {@code getMessage()}
     * @param functionName the function concerned, or null when none
     */
    protected FaasException(@Nullable String message, @Nullable String functionName) {
        super(message, null, false, false);
        this.functionName = functionName;
        this.requestId = null;
    }

    /** The function concerned, when there is one. */
    public Optional<String> functionName() {
        return Optional.ofNullable(functionName);
    }

    /** The invocation concerned, when it got as far as having a request id. */
    public Optional<String> requestId() {
        return Optional.ofNullable(requestId);
    }
}
