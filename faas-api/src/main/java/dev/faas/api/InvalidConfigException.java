package dev.faas.api;

import java.io.Serial;

/**
 * A configuration value is not allowed: thrown when a {@link FunctionConfig} or a
 * {@link FunctionSpec} is built, or when a function is deployed. The message names the field, the
 * bad value and the allowed range, as in
 * {@code "timeout must be between 1 ms and 15 min, but was PT16M"}.
 */
public class InvalidConfigException extends FaasException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String field;

    /**
     * Creates the exception.
     *
     * @param field the configuration field at fault, such as {@code "timeout"}
     * @param message the field, the bad value and the allowed range
     */
    public InvalidConfigException(String field, String message) {
        super(message, null, null, null);
        this.field = field;
    }

    /**
     * Creates the exception for a field of a named function, at deploy time.
     *
     * @param functionName the function being deployed
     * @param field the configuration field at fault
     * @param message the field, the bad value and the allowed range
     */
    public InvalidConfigException(String functionName, String field, String message) {
        super("function '" + functionName + "': " + message, functionName, null, null);
        this.field = field;
    }

    /** The configuration field at fault, such as {@code "timeout"} or {@code "reservedConcurrency"}. */
    public String field() {
        return field;
    }
}
