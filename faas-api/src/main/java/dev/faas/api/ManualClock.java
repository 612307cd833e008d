package dev.faas.api;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TimeSource} whose time moves only when {@link #advance(Duration)} is called: for tests,
 * and for simulations (a month of schedules and bills in a second).
 *
 * <p>A timer fires only when the clock is advanced to or past its due time, never otherwise; a
 * timer scheduled with a zero or negative delay fires on the next advance, even
 * {@code advance(Duration.ZERO)}. {@code advance} fires the due timers in time order (ties in the
 * order they were scheduled), on the calling thread, with {@link #now()} set to each timer's due
 * time while it runs. Before the first firing, between firings and at the end, it waits until every
 * {@linkplain #join participant} (each runtime built on this clock) is quiescent, so that work one
 * timer starts, and the timers that work schedules inside the window, are seen in the same advance.
 * That wait is bounded by five seconds of real time, after which {@code advance} throws
 * {@link IllegalStateException} naming what is still busy.
 *
 * <p>{@link #nanoTime()} starts at zero. Thread-safe; concurrent advances run one after another.
 */
public final class ManualClock implements TimeSource {

    /** How long {@link #advance} waits, in real time, for participants to become quiescent. */
    public static final Duration QUIESCENCE_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(ManualClock.class);

    private final Instant start;
    private final ReentrantLock advancing = new ReentrantLock();
    private final List<Participant> participants = new CopyOnWriteArrayList<>();
    private final Object timersLock = new Object();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(); // guarded by timersLock
    private long sequence;                                             // guarded by timersLock
    private volatile long elapsedNanos;

    /**
     * Creates a clock that reads {@code start} until it is advanced.
     *
     * @param start the clock's initial instant
     */
    public ManualClock(Instant start) {
        this.start = Objects.requireNonNull(start, "start");
    }

    @Override
    public Instant now() {
        return start.plusNanos(elapsedNanos);
    }

    @Override
    public long nanoTime() {
        return elapsedNanos;
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        long delayNanos = Math.max(0, SystemTimeSource.saturatedNanos(Objects.requireNonNull(delay, "delay")));
        synchronized (timersLock) {
            long due = elapsedNanos + delayNanos;
            Timer timer = new Timer(due < 0 ? Long.MAX_VALUE : due, sequence++, task);
            timers.add(timer);
            return timer;
        }
    }

    /**
     * Moves the clock forward by {@code amount}, firing every timer that comes due on the way, in
     * time order, and waiting for the participants to settle before, between and after firings.
     *
     * @param amount how far to move; zero fires what is already due
     * @throws IllegalArgumentException if {@code amount} is negative
     * @throws IllegalStateException if a participant stays busy for {@link #QUIESCENCE_TIMEOUT}
     */
    public void advance(Duration amount) {
        Objects.requireNonNull(amount, "amount");
        if (amount.isNegative()) {
            throw new IllegalArgumentException("a ManualClock only moves forward, but advance was given " + amount);
        }
        advancing.lock();
        try {
            long target = elapsedNanos + SystemTimeSource.saturatedNanos(amount);
            if (target < 0) {
                target = Long.MAX_VALUE;
            }
            while (true) {
                awaitParticipants();
                Timer due = pollDue(target);
                if (due == null) {
                    break;
                }
                elapsedNanos = Math.max(elapsedNanos, due.due);
                due.fire();
            }
            elapsedNanos = target;
        } finally {
            advancing.unlock();
        }
    }

    /**
     * Makes {@code participant} part of every {@link #advance}: the clock waits until it reports
     * itself quiescent before, between and after firings. A runtime built on this clock joins it
     * and leaves when closed.
     *
     * @param participant what to wait for
     * @return a handle whose {@code cancel()} removes the participant
     */
    public Cancellable join(Participant participant) {
        Objects.requireNonNull(participant, "participant");
        participants.add(participant);
        return () -> participants.remove(participant);
    }

    /**
     * The number of timers that have been scheduled and have neither fired nor been cancelled.
     *
     * @return the pending timer count
     */
    public int pendingTimers() {
        synchronized (timersLock) {
            return timers.size();
        }
    }

    private Timer pollDue(long target) {
        synchronized (timersLock) {
            Timer next = timers.peek();
            if (next == null || next.due > target) {
                return null;
            }
            return timers.poll();
        }
    }

    private boolean remove(Timer timer) {
        synchronized (timersLock) {
            return timers.remove(timer);
        }
    }

    private void awaitParticipants() {
        long deadline = System.nanoTime() + QUIESCENCE_TIMEOUT.toNanos();
        long pause = TimeUnit.MICROSECONDS.toNanos(20);
        while (true) {
            List<String> busy = new ArrayList<>();
            for (Participant participant : participants) {
                participant.busy().ifPresent(busy::add);
            }
            if (busy.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("ManualClock.advance waited " + QUIESCENCE_TIMEOUT.toSeconds()
                        + " s for work to settle, but it is still busy: " + String.join("; ", busy)
                        + ". A handler that never blocks, or a timer task that never ends, keeps a runtime busy.");
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    @Override
    public String toString() {
        return "ManualClock[" + now() + "]";
    }

    /**
     * Something whose asynchronous work {@link #advance} waits for, such as a runtime. Quiescent
     * means no work of its own is pending and every thread it runs work on is blocked or finished.
     */
    @FunctionalInterface
    public interface Participant {

        /**
         * Reports what is busy.
         *
         * @return empty when quiescent, otherwise a short description of the busy work
         */
        Optional<String> busy();
    }

    private final class Timer implements Comparable<Timer>, Cancellable {
        final long due;
        final long order;
        final Runnable task;

        Timer(long due, long order, Runnable task) {
            this.due = due;
            this.order = order;
            this.task = task;
        }

        void fire() {
            try {
                task.run();
            } catch (Throwable failure) {
                log.warn("A timer task failed at {}: {}", now(), task, failure);
            }
        }

        @Override
        public boolean cancel() {
            return remove(this);
        }

        @Override
        public int compareTo(Timer other) {
            int byDue = Long.compare(due, other.due);
            return byDue != 0 ? byDue : Long.compare(order, other.order);
        }
    }
}
