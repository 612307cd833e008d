package dev.faas.api;

import java.io.Serial;

/**
 * The INIT phase failed: the handler factory threw, returned null, or passed the function's
 * {@link FunctionConfig#initTimeout()}. The invocation's outcome is {@link Outcome#INIT_ERROR}.
 */
public class FunctionInitException extends FaasException {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param functionName the function
     * @param requestId the invocation that needed the environment, or null when provisioning
     * @param message what failed and what to do
     * @param cause what the factory threw, or null
     */
    public FunctionInitException(String functionName, String requestId, String message, Throwable cause) {
        super(message, functionName, requestId, cause);
    }
}
