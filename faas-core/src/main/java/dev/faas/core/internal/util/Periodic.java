package dev.faas.core.internal.util;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * A daemon platform thread that runs the tasks added to it, one after another, then waits a period,
 * for as long as it has any: the runtime's watchers that must run when every carrier is held and the
 * heap is all but gone. Whatever a task throws, the thread carries on; one that has ended (its last
 * task removed) is started again by the next {@link #add}.
 */
public final class Periodic {

    private final String name;
    private final long periodNanos;
    private final List<Runnable> tasks = new CopyOnWriteArrayList<>();
    private Thread thread; // guarded by this

    public Periodic(String name, Duration period) {
        this.name = name;
        this.periodNanos = period.toNanos();
    }

    /** Adds a task; the handle's {@code run()} removes it. */
    public synchronized Runnable add(Runnable task) {
        tasks.add(task);
        if (thread == null || !thread.isAlive()) {
            thread = Thread.ofPlatform().name(name).daemon().start(this::loop);
        }
        return () -> tasks.remove(task);
    }

    private void loop() {
        while (true) {
            try {
                if (tasks.isEmpty()) {
                    synchronized (this) {
                        if (tasks.isEmpty()) {
                            thread = null;
                            return;
                        }
                    }
                }
                for (int i = 0; i < tasks.size(); i++) { // by index: an iterator is an allocation
                    runQuietly(tasks.get(i));
                }
            } catch (Throwable failure) { // an OutOfMemoryError anywhere in the loop: carry on
                Failures.survived(name, failure);
            }
            LockSupport.parkNanos(periodNanos);
        }
    }

    private void runQuietly(Runnable task) {
        try {
            task.run();
        } catch (Throwable failure) {
            Failures.survived(name, failure);
        }
    }
}
