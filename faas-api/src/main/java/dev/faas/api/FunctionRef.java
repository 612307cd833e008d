package dev.faas.api;

import java.util.concurrent.CompletableFuture;

/**
 * A typed handle on a deployed function, returned by {@code deploy} and by
 * {@link Invoker#function}. Cheap to keep and thread-safe. If the function is undeployed, calls
 * fail with {@link FunctionNotFoundException}; if it is deployed again under the same name with
 * compatible types, the handle follows it.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
public interface FunctionRef<I, O> {

    /** The function's name. */
    String name();

    /**
     * Invokes the function synchronously ({@link InvocationType#REQUEST_RESPONSE}) and waits for it.
     *
     * @param input the payload
     * @return the handler's output, possibly {@code null}
     * @throws FunctionFailedException if the handler threw (the cause is what it threw)
     * @throws FunctionTimeoutException if the handler was still running at its deadline
     * @throws FunctionInitException if the handler factory failed or timed out
     * @throws MemoryLimitExceededException if the call passed its memory limit
     * @throws ThrottledException if a concurrency or memory limit was reached; nothing ran
     * @throws FunctionNotFoundException if the function is not deployed
     * @throws PayloadTypeException if the input is not of the function's input type
     * @throws RuntimeClosedException if the runtime is closed
     */
    O invoke(I input);

    /**
     * Invokes the function synchronously without blocking the caller. Never throws: a throttle,
     * a bad payload or a failure completes the future exceptionally with the exception
     * {@link #invoke} would have thrown.
     *
     * @param input the payload
     * @return the output, when the invocation ends
     */
    CompletableFuture<O> invokeAsync(I input);

    /**
     * Invokes the function synchronously and returns the full story of the call. Function outcomes
     * (error, timeout, init error, memory limit) are in the report, not thrown; what prevents the
     * call from running at all (throttle, unknown function, bad payload, closed runtime) is thrown.
     *
     * @param input the payload
     * @return the report, with the output or the error {@link #invoke} would have thrown
     */
    InvocationReport invokeForReport(I input);

    /**
     * {@link #invokeForReport} without blocking the caller: the future completes with the report
     * when the call ends, whatever its outcome. Never throws: what prevents the call from running
     * completes the future exceptionally with the exception {@link #invokeForReport} would have
     * thrown. In the runtime, callbacks attached before it completes run on the thread that ends
     * the call: for a call that finished, its own thread, once its concurrency slot is free; for
     * one given up on (timeout, memory stop, shutdown), a runtime thread, while the call's thread
     * keeps its slot until it ends. A trigger can answer there, with no thread of its own waiting.
     *
     * <p>The default blocks in {@link #invokeForReport}, for implementations that cannot do better
     * (test doubles); the runtime's does not block.
     *
     * @param input the payload
     * @return the report, when the invocation ends
     */
    default CompletableFuture<InvocationReport> invokeForReportAsync(I input) {
        try {
            return CompletableFuture.completedFuture(invokeForReport(input));
        } catch (RuntimeException refused) {
            return CompletableFuture.failedFuture(refused);
        }
    }

    /**
     * Queues an asynchronous ({@link InvocationType#EVENT}) invocation and returns at once. The
     * event is retried on failure, expires after the function's maximum event age and is routed to
     * its destinations or the dead-letter store.
     *
     * @param input the payload
     * @return the request id the event keeps across retries
     * @throws ThrottledException with {@link ThrottledException.Reason#QUEUE_FULL} if the queue is full
     */
    String invokeEvent(I input);

    /**
     * Queues an EVENT invocation unless one with the same idempotency key was accepted within the
     * runtime's idempotency window, in which case nothing runs and the first request id is returned.
     *
     * @param input the payload
     * @param idempotencyKey a key identifying the delivery, such as a message id
     * @return the request id of the event (the first one for a repeated key)
     */
    String invokeEvent(I input, String idempotencyKey);

    /**
     * Checks that an invocation would be accepted ({@link InvocationType#DRY_RUN}): the function
     * exists, is not disabled, and takes this payload. Nothing runs and nothing is recorded.
     *
     * @param input the payload
     */
    void dryRun(I input);
}
