package dev.faas.api;

/**
 * The code of a function: called once per invocation, on a virtual thread of its own, with the
 * invocation's input and its {@link Context}.
 *
 * <p>A handler instance lives in one execution environment, which serves one invocation at a
 * time, so a handler may keep per-environment state (a connection, a cache) in fields without
 * synchronisation. A handler that also implements {@link AutoCloseable} is closed when its
 * environment is discarded (idle expiry, timeout, undeploy, runtime close).
 *
 * @param <I> the input (payload) type
 * @param <O> the output type
 */
@FunctionalInterface
public interface Handler<I, O> {

    /**
     * Handles one invocation.
     *
     * @param input the payload, an instance of the function's input type
     * @param context what the invocation knows about itself: request id, deadline, environment
     * @return the output; {@code null} is allowed and means a successful call with no output
     * @throws Exception any failure; the invocation's outcome becomes
     *     {@link Outcome#ERROR} and callers see a {@link FunctionFailedException} with it as cause
     */
    O handle(I input, Context context) throws Exception;
}
