package dev.faas.api;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real clock. Timers are spread over one single-thread scheduler per core, chosen by the
 * scheduling thread's id, so that the per-invocation deadline timer never contends on one queue
 * lock (the JDK spreads virtual threads' timed parks the same way). Cancelled timers are removed
 * from their queue at once, so that a million cancelled deadlines do not pile up. The scheduler
 * threads are daemons and end after a minute without work.
 */
final class SystemTimeSource implements TimeSource {

    static final SystemTimeSource INSTANCE = new SystemTimeSource();

    private static final Logger log = LoggerFactory.getLogger(TimeSource.class);

    private final ScheduledThreadPoolExecutor[] stripes;
    private final int mask;

    private SystemTimeSource() {
        int count = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors() - 1) << 1);
        AtomicInteger index = new AtomicInteger();
        stripes = new ScheduledThreadPoolExecutor[count];
        for (int i = 0; i < count; i++) {
            ScheduledThreadPoolExecutor stripe = new ScheduledThreadPoolExecutor(1, task -> {
                Thread thread = new Thread(task, "faas-timer-" + index.getAndIncrement());
                thread.setDaemon(true);
                return thread;
            });
            stripe.setRemoveOnCancelPolicy(true);
            stripe.setKeepAliveTime(1, TimeUnit.MINUTES);
            stripe.allowCoreThreadTimeOut(true);
            stripes[i] = stripe;
        }
        mask = count - 1;
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        Timer timer = new Timer(task);
        int stripe = (int) Thread.currentThread().threadId() & mask;
        timer.future = stripes[stripe].schedule(timer, saturatedNanos(delay), TimeUnit.NANOSECONDS);
        return timer;
    }

    static long saturatedNanos(Duration delay) {
        try {
            return delay.toNanos();
        } catch (ArithmeticException tooLong) {
            return delay.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    @Override
    public String toString() {
        return "TimeSource.system()";
    }

    /** One timer: the task, its handle, and the guard that keeps a failing task from vanishing. */
    private static final class Timer implements Runnable, Cancellable {
        private final Runnable task;
        private volatile ScheduledFuture<?> future;

        Timer(Runnable task) {
            this.task = task;
        }

        @Override
        public void run() {
            try {
                task.run();
            } catch (Throwable failure) {
                log.warn("A timer task failed: {}", task, failure);
            }
        }

        @Override
        public boolean cancel() {
            return future.cancel(false);
        }
    }
}
