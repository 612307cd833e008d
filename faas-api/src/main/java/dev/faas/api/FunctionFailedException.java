package dev.faas.api;

import java.io.Serial;

/**
 * The handler threw. The cause is what it threw; a {@link FaasException} from a nested invocation
 * made inside the handler is such a cause too.
 */
public class FunctionFailedException extends FaasException {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param functionName the function
     * @param requestId the invocation
     * @param cause what the handler threw
     */
    public FunctionFailedException(String functionName, String requestId, Throwable cause) {
        super("function '" + functionName + "' failed (request " + requestId + "): " + cause,
                functionName, requestId, cause);
    }
}
