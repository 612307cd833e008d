package dev.faas.api;

import java.io.Serial;
import java.time.Duration;

/**
 * The handler was still running at its deadline. The caller is released at the deadline; the
 * handler's thread is interrupted, and its execution environment is discarded.
 */
public class FunctionTimeoutException extends FaasException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final Duration timeout;

    /**
     * Creates the exception.
     *
     * @param functionName the function
     * @param requestId the invocation
     * @param timeout the function's timeout
     */
    public FunctionTimeoutException(String functionName, String requestId, Duration timeout) {
        super(
                "function '" + functionName + "' timed out after " + timeout.toMillis() + " ms (request " + requestId
                        + "): raise its timeout, or make the handler faster",
                functionName,
                requestId,
                null);
        this.timeout = timeout;
    }

    /** The timeout that was reached. */
    public Duration timeout() {
        return timeout;
    }
}
