package dev.faas.api;

/**
 * Creates the {@link Handler} of one execution environment. The runtime calls it once per
 * environment, on a cold start or when provisioning: this is the INIT phase, timed, reported as
 * the init duration of the cold call and bounded by {@link FunctionConfig#initTimeout()}.
 * A constructor reference ({@code ResizeHandler::new}) is the usual factory.
 *
 * @param <I> the input type of the handlers it makes
 * @param <O> the output type of the handlers it makes
 */
@FunctionalInterface
public interface HandlerFactory<I, O> {

    /**
     * Creates a handler for a new execution environment.
     *
     * @return the handler, never {@code null}
     * @throws Exception if initialisation fails; the invocation that needed the environment fails
     *     with {@link FunctionInitException} and outcome {@link Outcome#INIT_ERROR}
     */
    Handler<I, O> create() throws Exception;
}
