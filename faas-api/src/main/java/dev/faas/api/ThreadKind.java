package dev.faas.api;

/**
 * What kind of thread a function's invocations run on.
 *
 * <p>A virtual thread costs a few hundred bytes and nothing while it waits, which is why the runtime
 * can hold a hundred thousand calls in flight; but the JDK runs virtual threads on one carrier
 * thread per core, and a handler that computes for long without blocking keeps its carrier. A few
 * such calls, or one per core, leave every other virtual thread of the host (other functions'
 * calls, request threads) waiting. A platform thread is scheduled by the operating system and
 * shares the cores fairly with everything else, at the cost of a thread start (tens of
 * microseconds) and a stack per call.
 */
public enum ThreadKind {
    /** A virtual thread per call (the default): for calls that wait (I/O, other services) more than they compute. */
    VIRTUAL,
    /** A platform thread per call: for CPU-bound functions, so that they cannot starve the virtual threads. */
    PLATFORM
}
