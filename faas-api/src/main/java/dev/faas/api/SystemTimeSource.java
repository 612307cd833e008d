package dev.faas.api;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real clock, with timers on a hashed timing wheel (as Netty's and Kafka's timeout timers).
 *
 * <p>The runtime arms deadlines (one per cohort of calls that start in the same millisecond), idle
 * expiries and retries, and cancels most of them soon after, at high rates. A delay-queue scheduler
 * pays a lock and, whenever the new timer becomes its head, a thread wake-up each time. Here
 * scheduling pushes the timer onto a lock-free stack (one compare-and-set, nothing allocated but
 * the timer) and cancelling flips a flag; one daemon ticker thread takes the whole stack at once,
 * drops what was cancelled meanwhile, and fires what is due, once per {@link #TICK}. A timer never
 * fires early and fires at most about one tick late. The ticker sleeps while no timer is pending,
 * and a new timer wakes it.
 */
final class SystemTimeSource implements TimeSource {

    static final SystemTimeSource INSTANCE = new SystemTimeSource();

    /** The wheel's resolution. */
    static final Duration TICK = Duration.ofMillis(1);

    private static final Logger log = LoggerFactory.getLogger(TimeSource.class);
    private static final long TICK_NANOS = TICK.toNanos();
    private static final int WHEEL_SIZE = 1024; // ticks per turn: a power of two
    /** About 73 years: longer delays are clamped, so that a deadline never overflows. */
    private static final long MAX_DELAY_NANOS = 1L << 61;

    private static final int PENDING = 0;
    private static final int FIRED = 1;
    private static final int CANCELLED = 2;
    private static final VarHandle STATE;
    private static final VarHandle INCOMING;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Timer.class, "state", int.class);
            INCOMING = MethodHandles.lookup().findVarHandle(SystemTimeSource.class, "incoming", Timer.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** New timers not yet in the wheel, newest first, linked by {@code next}; the ticker takes them all. */
    private volatile @Nullable Timer incoming;

    private volatile Thread ticker;
    private volatile boolean idle;

    // Ticker thread only:
    private final Bucket[] wheel = new Bucket[WHEEL_SIZE];
    private final long origin = System.nanoTime();
    private long tick; // the next tick to expire
    private int scheduled;

    private SystemTimeSource() {
        for (int i = 0; i < WHEEL_SIZE; i++) {
            wheel[i] = new Bucket();
        }
        ticker = Thread.ofPlatform().name("faas-timer").daemon().unstarted(this::tickLoop);
        ticker.start();
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
        long delayNanos = Math.min(Math.max(0, saturatedNanos(delay)), MAX_DELAY_NANOS);
        Timer timer = new Timer(System.nanoTime() + delayNanos, task);
        Timer newest;
        do {
            newest = incoming;
            timer.next = newest;
        } while (!INCOMING.compareAndSet(this, newest, timer));
        if (idle) {
            LockSupport.unpark(ticker);
        }
        if (!ticker.isAlive()) {
            restartTicker();
        }
        return timer;
    }

    /**
     * A ticker that died anyway (its loop catches everything it can; a failure in the catching itself
     * is what is left) is replaced by a new one on the same wheel.
     */
    private synchronized void restartTicker() {
        if (!ticker.isAlive()) {
            ticker = Thread.ofPlatform().name("faas-timer").daemon().unstarted(this::tickLoop);
            ticker.start();
        }
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

    /**
     * The ticker's life: it outlives whatever a task or the JVM throws at it (an OutOfMemoryError of a
     * handler's making included), and a ticker that dies anyway is replaced by the next schedule.
     */
    private void tickLoop() {
        while (true) {
            try {
                tickOnce();
            } catch (Throwable failure) {
                report(failure, null);
                LockSupport.parkNanos(TICK_NANOS); // not a spin, whatever keeps failing
            }
        }
    }

    private void tickOnce() {
        long now = System.nanoTime();
        long current = (now - origin) / TICK_NANOS;
        transferIncoming();
        while (tick <= current) {
            expire(wheel[(int) (tick & (WHEEL_SIZE - 1))], now);
            tick++;
        }
        if (scheduled == 0) {
            idle = true;
            if (incoming == null) {
                LockSupport.park(this);
                tick = (System.nanoTime() - origin) / TICK_NANOS; // nothing was due while asleep
            }
            idle = false;
        } else {
            LockSupport.parkNanos(this, origin + tick * TICK_NANOS - System.nanoTime());
        }
    }

    /** Moves new timers into their buckets; one already cancelled is dropped here, never stored. */
    private void transferIncoming() {
        @Nullable Timer next;
        for (@Nullable Timer timer = (Timer) INCOMING.getAndSet(this, null); timer != null; timer = next) {
            next = timer.next;
            if (timer.state != PENDING) {
                continue;
            }
            long dueTick = Math.max(tick, Math.ceilDiv(timer.deadline - origin, TICK_NANOS));
            timer.rounds = (dueTick - tick) / WHEEL_SIZE;
            wheel[(int) (dueTick & (WHEEL_SIZE - 1))].add(timer);
            scheduled++;
        }
    }

    private void expire(Bucket bucket, long now) {
        @Nullable Timer previous = null;
        for (@Nullable Timer timer = bucket.head; timer != null; ) {
            @Nullable Timer next = timer.next;
            boolean remove;
            if (timer.state != PENDING) {
                remove = true;
            } else if (timer.rounds > 0) {
                timer.rounds--;
                remove = false;
            } else if (timer.deadline - now > 0) {
                remove = true; // never early: on to the next tick (the tick rounding makes this rare)
                wheel[(int) ((tick + 1) & (WHEEL_SIZE - 1))].add(timer);
                scheduled++;
            } else {
                remove = true;
                if (STATE.compareAndSet(timer, PENDING, FIRED)) {
                    fire(timer);
                }
            }
            if (remove) {
                scheduled--;
                if (previous == null) {
                    bucket.head = next;
                } else {
                    previous.next = next;
                }
            } else {
                previous = timer;
            }
            timer = next;
        }
    }

    private static void fire(Timer timer) {
        Runnable task = timer.task; // the ticker won PENDING -> FIRED: no cancel clears it any more
        if (task == null) {
            return;
        }
        try {
            task.run();
        } catch (Throwable failure) {
            report(failure, task);
        }
    }

    /** Logs a failure if it can; under an OutOfMemoryError even that may fail, and the ticker goes on. */
    private static void report(Throwable failure, @Nullable Runnable task) {
        try {
            log.warn("A timer task failed: {}", task, failure);
        } catch (Throwable unreportable) {
            // nothing more to be done: keep ticking
        }
    }

    /** One slot of the wheel: a singly linked list, touched by the ticker thread only. */
    private static final class Bucket {
        @Nullable
        Timer head;

        void add(Timer timer) {
            timer.next = head;
            head = timer;
        }
    }

    /**
     * A scheduled task; its state moves PENDING -> FIRED or PENDING -> CANCELLED, once. A cancelled
     * timer lets go of its task at once: it may wait in its bucket for up to a turn of the wheel,
     * and must not keep what the task refers to (a whole finished invocation) alive until then.
     */
    private static final class Timer implements Cancellable {
        final long deadline;

        @Nullable
        Runnable task; // null once cancelled

        volatile int state;
        long rounds; // ticker thread only
        /** The next in the incoming stack (written before the timer is pushed), then in its bucket. */
        @Nullable
        Timer next;

        Timer(long deadline, Runnable task) {
            this.deadline = deadline;
            this.task = task;
        }

        @Override
        public boolean cancel() {
            if (STATE.compareAndSet(this, PENDING, CANCELLED)) {
                task = null; // read only by the ticker after it wins PENDING -> FIRED, which this forbids
                return true;
            }
            return false;
        }
    }
}
