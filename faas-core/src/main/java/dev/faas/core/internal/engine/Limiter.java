package dev.faas.core.internal.engine;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A count of units in use against a limit (executions, or megabytes of reserved memory), without a
 * queue: a call takes its units at once or is refused. One compare-and-set per acquire; exact, so a limit of n admits exactly n at a time. The
 * limit may change while slots are held (a deploy reserves concurrency out of the shared pool):
 * then new calls are refused until enough slots are released.
 */
public final class Limiter {

    private final AtomicInteger inUse = new AtomicInteger();
    private volatile int limit;

    Limiter(int limit) {
        this.limit = limit;
    }

    boolean tryAcquire() {
        return tryAcquire(1);
    }

    /** Takes {@code amount} units (megabytes, for a memory reservation) if they all fit. */
    boolean tryAcquire(int amount) {
        while (true) {
            int current = inUse.get();
            if (current + amount > limit) {
                return false;
            }
            if (inUse.compareAndSet(current, current + amount)) {
                return true;
            }
        }
    }

    /** Releases one slot and returns how many are still in use. */
    int release() {
        return inUse.decrementAndGet();
    }

    void release(int amount) {
        inUse.addAndGet(-amount);
    }

    public int inUse() {
        return inUse.get();
    }

    public int limit() {
        return limit;
    }

    public void setLimit(int limit) {
        this.limit = limit;
    }
}
