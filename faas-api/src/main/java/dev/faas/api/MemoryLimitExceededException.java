package dev.faas.api;

import java.io.Serial;

/**
 * The call was stopped for memory: it allocated past its {@link FunctionConfig#allocationLimitMb()},
 * or the heap-pressure guard chose it. Like a timeout, the caller is released at once and the
 * handler's thread is interrupted.
 */
public class MemoryLimitExceededException extends FaasException {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param functionName the function
     * @param requestId the invocation
     * @param message what limit was passed, by how much, and what to do
     */
    public MemoryLimitExceededException(String functionName, String requestId, String message) {
        super(message, functionName, requestId, null);
    }
}
