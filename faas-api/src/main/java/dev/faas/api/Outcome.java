package dev.faas.api;

/** How an invocation that ran (or tried to) ended. Throttled calls never run and have no outcome. */
public enum Outcome {
    /** The handler returned. */
    SUCCESS,
    /** The handler threw; the error is a {@link FunctionFailedException}. */
    ERROR,
    /** The handler was still running at its deadline; billed for the full timeout. */
    TIMEOUT,
    /** The call passed its allocation limit, or was stopped to protect the heap. */
    MEMORY_LIMIT,
    /** The handler factory failed or passed its init timeout; billed for the INIT time. */
    INIT_ERROR
}
