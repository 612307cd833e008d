package dev.faas.core.internal.memory;

import dev.faas.core.internal.util.Failures;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Enforces allocation limits: one daemon thread that, about every millisecond while capped calls
 * run, compares each one's live bytes with its cap and stops those past it. It sleeps while no
 * capped call runs, and a new one wakes it. Cheap when idle; at most a millisecond late, which at the
 * allocation rate of a tight loop is a few megabytes.
 */
public final class MemoryWatchdog {

    private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Set<RunningCall> capped = ConcurrentHashMap.newKeySet();
    private volatile Thread thread;
    private volatile boolean idle;
    private volatile boolean closed;

    private MemoryWatchdog(boolean closed) {
        this.closed = closed;
        this.thread = closed
                ? null
                : Thread.ofPlatform().name("faas-memory-watchdog").daemon().unstarted(this::patrol);
    }

    /** A watchdog on its own daemon thread. */
    public static MemoryWatchdog start() {
        MemoryWatchdog watchdog = new MemoryWatchdog(false);
        watchdog.thread.start();
        return watchdog;
    }

    /** A watchdog that was closed before it started: it keeps no thread and checks nothing. */
    public static MemoryWatchdog closed() {
        return new MemoryWatchdog(true);
    }

    public void watch(RunningCall call) {
        if (closed) {
            return;
        }
        capped.add(call);
        Thread patroller = thread;
        if (!patroller.isAlive()) {
            restart(patroller);
        } else if (idle) {
            LockSupport.unpark(patroller);
        }
    }

    /**
     * A patrol that died anyway (its loop catches all it can; a failure in the catching is what is
     * left, under an OutOfMemoryError) is started again by the next capped call: limits are enforced
     * again from then on.
     */
    private synchronized void restart(Thread dead) {
        if (thread == dead && !closed) {
            Thread patroller =
                    Thread.ofPlatform().name("faas-memory-watchdog").daemon().unstarted(this::patrol);
            thread = patroller;
            patroller.start();
        }
    }

    public void forget(RunningCall call) {
        capped.remove(call);
    }

    public void close() {
        closed = true;
        Thread patroller = thread;
        if (patroller != null) {
            LockSupport.unpark(patroller);
        }
    }

    private void patrol() {
        while (!closed) {
            try {
                if (capped.isEmpty()) {
                    idle = true;
                    if (capped.isEmpty() && !closed) {
                        LockSupport.park(this);
                    }
                    idle = false;
                    continue;
                }
                for (RunningCall call : capped) {
                    call.checkAllocationLimit();
                }
            } catch (Throwable unexpected) { // an OutOfMemoryError of someone else's making: patrol on
                Failures.survived("the memory watchdog", unexpected);
            }
            LockSupport.parkNanos(this, PERIOD_NANOS);
        }
    }
}
