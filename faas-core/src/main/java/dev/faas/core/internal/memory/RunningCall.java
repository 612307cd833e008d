package dev.faas.core.internal.memory;

/**
 * A call in flight as the memory code sees it: what it has allocated against the footprint it
 * declared, the thread it runs on, and how to stop it. The invocation is the one implementation.
 */
public interface RunningCall {

    String functionName();

    /** A few words for the log: its request id and its function. */
    String describe();

    /** The thread it runs on, or null before it starts. */
    Thread thread();

    /** Whether its thread still runs the call (not finished, not given up on). */
    boolean isRunning();

    /** Whether its thread runs the handler: past its start and its environment's INIT, not yet ended. */
    boolean isHandling();

    /** The memoryMb its function declared. */
    int memoryMb();

    /** What the call has allocated so far, or -1 when it is not metered. */
    long liveAllocatedBytes();

    /** The watchdog's check: stops the call once it has allocated past its function's limit. */
    void checkAllocationLimit();

    /**
     * Stops the call for memory (the heap-pressure guard, the heap {@code heapPercent} full),
     * allocating next to nothing before its thread is interrupted: the heap may be all but gone.
     *
     * @return whether this stopped it: false if it had ended or was stopped already
     */
    boolean stopForMemory(int heapPercent);
}
