package dev.faas.api;

import java.io.Serial;

/**
 * A payload does not match the function's declared types: an input that is not an instance of the
 * spec's input type, a handler output that is not an instance of its output type, or a typed
 * handle asked for with types that do not fit the function's.
 */
public class PayloadTypeException extends FaasException {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param functionName the function
     * @param message what type was expected, what was given, and what to do
     */
    public PayloadTypeException(String functionName, String message) {
        super(message, functionName, null, null);
    }
}
