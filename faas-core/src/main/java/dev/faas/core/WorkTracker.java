package dev.faas.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Starts every thread the runtime runs work on, from one thread factory, and keeps the set of units
 * in flight. The set is a concurrent hash set: adding and removing a unit touch one bin, so the
 * invocation path takes no global lock (the JDK's own thread-per-task executor keeps the same set).
 * Questions about the whole set (is anything busy? has the drain finished?) are answered by
 * walking it, which only tests and {@code close()} do.
 */
final class WorkTracker {

    private static final int MAX_LISTED = 5;

    private final ThreadFactory threads;
    private final Set<Work> inFlight = ConcurrentHashMap.newKeySet();

    WorkTracker(ThreadFactory threads) {
        this.threads = threads;
    }

    ThreadFactory threads() {
        return threads;
    }

    /** Starts {@code work} on a new thread; the unit is tracked from before its thread runs. */
    void start(Work work) {
        start(work, () -> { });
    }

    /**
     * Starts {@code work} unless {@code admission} throws once the unit is tracked: a check made
     * there cannot miss a drain that began before it, since the drain then sees the unit.
     */
    void start(Work work, Runnable admission) {
        Thread thread = threads.newThread(work);
        work.bind(thread);
        inFlight.add(work);
        try {
            admission.run();
            thread.start();
        } catch (RuntimeException | Error failure) {
            inFlight.remove(work);
            throw failure;
        }
    }

    /** How many units are in flight. */
    int inFlight() {
        return inFlight.size();
    }

    /** Runs a short piece of runtime bookkeeping on its own tracked thread. */
    void runTask(String what, Runnable body) {
        start(new Task(this, what, false, body));
    }

    /** Runs a call into user code (a close, a callback) on its own tracked thread. */
    void runUserTask(String what, Runnable body) {
        start(new Task(this, what, true, body));
    }

    void finished(Work work) {
        inFlight.remove(work);
    }

    /** What is busy, or empty when every unit is finished or blocked in user code. */
    Optional<String> busy() {
        return describe(work -> !work.isQuiescent());
    }

    /** Waits until nothing is busy; {@code what} names the waiter in the failure. */
    void awaitQuiescence(Duration timeout, String what) {
        awaitNone(work -> !work.isQuiescent(), timeout, what + " waited " + timeout.toMillis()
                + " ms for the runtime to become quiescent, but it is still busy: ");
    }

    /**
     * Waits until no unit blocks the drain (every caller has its outcome and no task is left), up
     * to {@code deadline} on {@link System#nanoTime()}.
     *
     * @return the units still blocking the drain when it gave up; empty if it finished
     */
    List<Work> awaitDrain(long deadline) {
        long pause = TimeUnit.MICROSECONDS.toNanos(50);
        while (true) {
            List<Work> left = inFlight.stream().filter(Work::blocksDrain).toList();
            if (left.isEmpty() || System.nanoTime() - deadline > 0) {
                return left;
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    private void awaitNone(Predicate<Work> busy, Duration timeout, String failure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = TimeUnit.MICROSECONDS.toNanos(20);
        while (true) {
            Optional<String> left = describe(busy);
            if (left.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(failure + left.get());
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private Optional<String> describe(Predicate<Work> selected) {
        List<String> listed = new ArrayList<>();
        int count = 0;
        for (Work work : inFlight) {
            if (selected.test(work)) {
                if (count++ < MAX_LISTED) {
                    Thread thread = work.thread();
                    listed.add(work.describe() + (thread == null ? " (starting)" : " (" + thread.getState() + ")"));
                }
            }
        }
        if (count == 0) {
            return Optional.empty();
        }
        String more = count > MAX_LISTED ? " and " + (count - MAX_LISTED) + " more" : "";
        return Optional.of(String.join(", ", listed) + more);
    }
}
