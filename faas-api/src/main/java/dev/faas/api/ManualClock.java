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
import org.jspecify.annotations.Nullable;
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
 *
 * <p>User code that computes without blocking (a handler in a CPU-bound loop) is waited for only a
 * short while, {@link #USER_CODE_GRACE} of real time by default: past it, such code is taken to be
 * using manual time, and the due timers fire anyway, so that a busy handler meets its deadline and
 * times out as it would on a real clock. The runtime's own work is waited for up to
 * {@link #QUIESCENCE_TIMEOUT} (five seconds of real time), after which {@code advance} throws
 * {@link IllegalStateException} naming what is still busy.
 *
 * <p>{@link #nanoTime()} starts at zero. Thread-safe; concurrent advances run one after another.
 */
public final class ManualClock implements TimeSource {

    /** How long {@link #advance} waits by default, in real time, for participants to become quiescent. */
    public static final Duration QUIESCENCE_TIMEOUT = Duration.ofSeconds(5);
    /**
     * How long {@link #advance} waits by default, in real time, for user code that is computing (not
     * blocked) before it fires the due timers anyway: 200 ms.
     */
    public static final Duration USER_CODE_GRACE = Duration.ofMillis(200);

    private static final Logger log = LoggerFactory.getLogger(ManualClock.class);

    private final Instant start;
    private final ReentrantLock advancing = new ReentrantLock();
    private final List<Participant> participants = new CopyOnWriteArrayList<>();
    private final Object timersLock = new Object();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(); // guarded by timersLock
    private long sequence; // guarded by timersLock
    private int pending; // guarded by timersLock
    private final Duration quiescenceTimeout;
    private final Duration userCodeGrace;
    private volatile long elapsedNanos;

    /**
     * Creates a clock that reads {@code start} until it is advanced.
     *
     * @param start the clock's initial instant
     */
    public ManualClock(Instant start) {
        this(start, QUIESCENCE_TIMEOUT);
    }

    /**
     * Creates a clock that reads {@code start} until it is advanced, and waits at most
     * {@code quiescenceTimeout} of real time for its participants to settle.
     *
     * @param start the clock's initial instant
     * @param quiescenceTimeout how long an advance waits for busy participants before it throws
     */
    public ManualClock(Instant start, Duration quiescenceTimeout) {
        this(
                start,
                quiescenceTimeout,
                quiescenceTimeout == null || USER_CODE_GRACE.compareTo(quiescenceTimeout) < 0
                        ? USER_CODE_GRACE
                        : quiescenceTimeout);
    }

    /**
     * Creates a clock that reads {@code start} until it is advanced, waits at most
     * {@code quiescenceTimeout} of real time for its participants' own work to settle, and at most
     * {@code userCodeGrace} for user code that computes without blocking.
     *
     * @param start the clock's initial instant
     * @param quiescenceTimeout how long an advance waits for busy participants before it throws
     * @param userCodeGrace how long an advance waits for computing user code before it fires due
     *     timers anyway; at most {@code quiescenceTimeout}
     * @throws IllegalArgumentException if a duration is negative, or the grace is longer than the timeout
     */
    public ManualClock(Instant start, Duration quiescenceTimeout, Duration userCodeGrace) {
        this.start = Objects.requireNonNull(start, "start");
        this.quiescenceTimeout = Objects.requireNonNull(quiescenceTimeout, "quiescenceTimeout");
        this.userCodeGrace = Objects.requireNonNull(userCodeGrace, "userCodeGrace");
        if (quiescenceTimeout.isNegative()
                || userCodeGrace.isNegative()
                || userCodeGrace.compareTo(quiescenceTimeout) > 0) {
            throw new IllegalArgumentException("userCodeGrace must be between 0 and quiescenceTimeout ("
                    + quiescenceTimeout + "), and quiescenceTimeout not negative, but they were " + userCodeGrace
                    + " and " + quiescenceTimeout);
        }
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
            pending++;
            return timer;
        }
    }

    /**
     * Moves the clock forward by {@code amount}, firing every timer that comes due on the way, in
     * time order, and waiting for the participants to settle before, between and after firings.
     *
     * @param amount how far to move; zero fires what is already due
     * @throws IllegalArgumentException if {@code amount} is negative
     * @throws IllegalStateException if a participant stays busy for the quiescence timeout, or if a
     *     timer task calls {@code advance}
     */
    public void advance(Duration amount) {
        Objects.requireNonNull(amount, "amount");
        if (amount.isNegative()) {
            throw new IllegalArgumentException("a ManualClock only moves forward, but advance was given " + amount);
        }
        if (advancing.isHeldByCurrentThread()) {
            throw new IllegalStateException("advance was called from a timer task of the same clock: schedule"
                    + " the later work as a timer instead");
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
            return pending;
        }
    }

    private @Nullable Timer pollDue(long target) {
        synchronized (timersLock) {
            while (true) {
                Timer next = timers.peek();
                if (next == null || next.due > target) {
                    return null;
                }
                timers.poll();
                if (!next.cancelled) {
                    next.fired = true;
                    pending--;
                    return next;
                }
            }
        }
    }

    /** Cancels in O(1): the timer stays queued, marked, and is dropped when it comes due. */
    private boolean cancel(Timer timer) {
        synchronized (timersLock) {
            if (timer.fired || timer.cancelled) {
                return false;
            }
            timer.cancelled = true;
            timer.task = null; // what the task refers to need not stay alive until the timer comes due
            pending--;
            return true;
        }
    }

    private void awaitParticipants() {
        long begin = System.nanoTime();
        long graceEnd = begin + userCodeGrace.toNanos();
        long deadline = begin + quiescenceTimeout.toNanos();
        long pause = TimeUnit.MICROSECONDS.toNanos(20);
        while (true) {
            List<String> busy = new ArrayList<>();
            for (Participant participant : participants) {
                participant.busy().ifPresent(busy::add);
            }
            if (busy.isEmpty()) {
                return;
            }
            long now = System.nanoTime();
            if (now - graceEnd >= 0
                    && participants.stream()
                            .allMatch(p -> p.busyOutsideUserCode().isEmpty())) {
                return; // only computing user code is left: it takes manual time, and the timers fire
            }
            if (now - deadline > 0) {
                throw new IllegalStateException("ManualClock.advance waited " + quiescenceTimeout.toMillis()
                        + " ms for work to settle, but it is still busy: " + String.join("; ", busy)
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

        /**
         * Reports what is busy, leaving out threads that are running user code without blocking (a
         * handler computing): {@link #advance} waits for those only up to the clock's user-code
         * grace. By default, everything {@link #busy()} reports.
         *
         * @return empty when nothing but computing user code is busy, otherwise a short description
         */
        default Optional<String> busyOutsideUserCode() {
            return busy();
        }
    }

    private final class Timer implements Comparable<Timer>, Cancellable {
        final long due;
        final long order;

        @Nullable
        Runnable task; // guarded by timersLock once scheduled; null once cancelled

        boolean cancelled; // guarded by timersLock
        boolean fired; // guarded by timersLock

        Timer(long due, long order, Runnable task) {
            this.due = due;
            this.order = order;
            this.task = task;
        }

        void fire() {
            Runnable toRun = task; // marked fired under the lock first: no cancel clears it any more
            if (toRun == null) {
                return;
            }
            try {
                toRun.run();
            } catch (Throwable failure) {
                log.warn("A timer task failed at {}: {}", now(), toRun, failure);
            }
        }

        @Override
        public boolean cancel() {
            return ManualClock.this.cancel(this);
        }

        @Override
        public int compareTo(Timer other) {
            int byDue = Long.compare(due, other.due);
            return byDue != 0 ? byDue : Long.compare(order, other.order);
        }
    }
}
