package dev.faas.core.internal.observe;

/** A deployed function as its meters see it: its name and the gauges read from it. */
public interface MeteredFunction {

    String name();

    /** EVENT invocations accepted and not yet done. */
    int queuedEvents();

    /** Concurrency slots in use, orphaned threads included. */
    int concurrentExecutions();

    /** Threads still running after their call timed out or was stopped. */
    int orphanedThreads();
}
