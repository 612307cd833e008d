package dev.faas.api;

import java.io.Serial;

/** The runtime is closed (or closing) and takes no new calls or deployments. */
public class RuntimeClosedException extends FaasException {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param functionName the function that was called, or null
     */
    public RuntimeClosedException(String functionName) {
        super(
                "the runtime is closed and takes no new calls"
                        + (functionName == null ? "" : " (function '" + functionName + "')")
                        + ": build a new FaasRuntime",
                functionName,
                null,
                null);
    }
}
