package dev.faas.core.internal.engine;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future of an asynchronous call. A platform thread that blocks on it spins for a few
 * microseconds first, as a synchronous caller does (see {@link CallerWait}), so that a short call
 * spares both sides a futex round trip. Futures made from it ({@code thenApply}, ...) are plain
 * ones.
 */
final class CallFuture<T> extends CompletableFuture<T> {

    @Override
    public T join() {
        CallerWait.spinBriefly(this);
        return super.join();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        CallerWait.spinBriefly(this);
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (unit.toNanos(timeout) > CallerWait.SPIN_NANOS) {
            CallerWait.spinBriefly(this);
        }
        return super.get(timeout, unit);
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
