package dev.faas.api;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;

/**
 * Calls functions by name: what a {@link Trigger} is given, and what the runtime implements.
 * Payloads are checked against the function's declared types, so the untyped methods fail with
 * {@link PayloadTypeException} rather than a {@link ClassCastException} inside a handler.
 */
public interface Invoker {

    /** The longest idempotency key {@link #invokeEvent(String, Object, String)} takes: 256 characters. */
    int MAX_IDEMPOTENCY_KEY = 256;

    /**
     * Invokes a function synchronously; see {@link FunctionRef#invoke}.
     *
     * @param function the function's name
     * @param input the payload
     * @return the output, possibly {@code null}
     */
    Object invoke(String function, Object input);

    /**
     * Invokes a function synchronously without blocking; see {@link FunctionRef#invokeAsync}.
     *
     * @param function the function's name
     * @param input the payload
     * @return the output, when the invocation ends; never throws
     */
    CompletableFuture<Object> invokeAsync(String function, Object input);

    /**
     * Queues an EVENT invocation; see {@link FunctionRef#invokeEvent(Object)}.
     *
     * @param function the function's name
     * @param input the payload
     * @return the event's request id
     */
    String invokeEvent(String function, Object input);

    /**
     * Queues an EVENT invocation once per idempotency key; see {@link FunctionRef#invokeEvent(Object, String)}.
     *
     * @param function the function's name
     * @param input the payload
     * @param idempotencyKey a key identifying the delivery
     * @return the event's request id (the first one for a repeated key)
     */
    String invokeEvent(String function, Object input, String idempotencyKey);

    /**
     * A typed handle on a deployed function.
     *
     * @param name the function's name
     * @param inputType a type the function's input type accepts (the same or a subtype)
     * @param outputType a type the function's output type fits in (the same or a supertype)
     * @param <I> the input type
     * @param <O> the output type
     * @return the handle
     * @throws FunctionNotFoundException if no such function is deployed
     * @throws PayloadTypeException if the types do not fit the function's
     */
    <I, O> FunctionRef<I, O> function(String name, Class<I> inputType, Class<O> outputType);

    /**
     * Describes a deployed function, so that a trigger can bind payloads to its types.
     *
     * @param function the function's name
     * @return its spec, or empty if no such function is deployed
     */
    Optional<FunctionSpec<?, ?>> describe(String function);

    /**
     * Threads for callers. The runtime returns threads of the scheduler its invocations run on,
     * so that a trigger's request threads and the invocations they make avoid a cross-pool
     * hand-off per call.
     *
     * @return a factory of virtual threads
     */
    default ThreadFactory threadFactory() {
        return Thread.ofVirtual().factory();
    }

    /**
     * The clock every timer of the runtime runs on: a trigger that acts on time (a schedule) takes
     * its timers from here, so that a runtime on a {@link ManualClock} runs them on manual time too.
     *
     * @return the runtime's time source; {@link TimeSource#system()} unless the runtime was given another
     */
    default TimeSource clock() {
        return TimeSource.system();
    }
}
