package dev.faas.api;

import java.time.Duration;
import java.time.Instant;

/**
 * Where the runtime gets its time: wall-clock instants for records, a monotonic nano clock for
 * durations, and one-shot timers for deadlines, retries, event age, idle expiry and schedules.
 * {@link #system()} is the real clock; {@link ManualClock} moves only when told to.
 *
 * <p>The two clocks must advance together: the runtime reads {@link #now()} now and then and
 * derives the wall-clock instant of a call's start from {@link #nanoTime()} readings in between
 * (renewing the pair at least every 100 ms of {@code nanoTime}), so an implementation whose
 * {@code now()} moves while its {@code nanoTime()} stands still, or the reverse, gets start
 * instants that lag or lead by up to that much.
 */
public interface TimeSource {

    /** The current wall-clock instant. */
    Instant now();

    /** A monotonic reading in nanoseconds, meaningful only as the difference of two readings. */
    long nanoTime();

    /**
     * Runs {@code task} once, after {@code delay} has passed on this source. The task runs on a
     * thread of the source's (it must be short and must not block); an exception it throws is
     * logged, not propagated.
     *
     * @param delay how long to wait; zero or negative means as soon as possible
     * @param task what to run
     * @return a handle that cancels the task if it has not started yet
     */
    Cancellable schedule(Duration delay, Runnable task);

    /**
     * The real clock: {@link Instant#now()}, {@link System#nanoTime()}, and timers on a timing wheel
     * served by one daemon thread shared by every user of this source, at a resolution of 1 ms: a
     * timer never fires early, and at most about a millisecond late.
     */
    static TimeSource system() {
        return SystemTimeSource.INSTANCE;
    }

    /** A scheduled task that can be called off. */
    @FunctionalInterface
    interface Cancellable {

        /**
         * Cancels the task unless it has already started or been cancelled.
         *
         * @return true if this call prevented the task from running
         */
        boolean cancel();
    }
}
