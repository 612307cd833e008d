package dev.faas.api;

import java.io.Serial;

/**
 * The handler threw. The cause is what it threw; a {@link FaasException} from a nested invocation
 * made inside the handler is such a cause too.
 */
public class FunctionFailedException extends FaasException {

    @Serial
    private static final long serialVersionUID = 1L;
    /** The most characters of the cause's text the message repeats. */
    private static final int MAX_CAUSE_TEXT = 2_000;

    /**
     * Creates the exception.
     *
     * @param functionName the function
     * @param requestId the invocation
     * @param cause what the handler threw
     */
    public FunctionFailedException(String functionName, String requestId, Throwable cause) {
        super(
                "function '" + functionName + "' failed (request " + requestId + "): " + describe(cause),
                functionName,
                requestId,
                cause);
    }

    /**
     * The cause as {@code toString()} prints it, without trusting it: a message of user code may
     * throw, and a chain of nested invocations would repeat every inner message in each outer one.
     */
    private static String describe(Throwable cause) {
        if (cause == null) {
            return "null";
        }
        String message;
        try {
            message = cause.getMessage();
        } catch (Throwable broken) {
            message = "(its getMessage() threw " + broken.getClass().getName() + ")";
        }
        String text =
                message == null ? cause.getClass().getName() : cause.getClass().getName() + ": " + message;
        return text.length() <= MAX_CAUSE_TEXT ? text : text.substring(0, MAX_CAUSE_TEXT) + "...";
    }
}
