package dev.faas.api;

import java.io.Serial;

/** No function of that name is deployed (or it was undeployed). */
public class FunctionNotFoundException extends FaasException {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param functionName the name that was asked for
     */
    public FunctionNotFoundException(String functionName) {
        super(
                functionName == null
                        ? "a function name is needed, but it was null"
                        : "no function named '" + functionName + "' is deployed: deploy it first, or check the name",
                functionName,
                null,
                null);
    }
}
