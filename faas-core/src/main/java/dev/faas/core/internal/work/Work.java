package dev.faas.core.internal.work;

import dev.faas.core.internal.util.VarHandles;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadFactory;

/**
 * A unit of the runtime's work that runs on a thread of its own: an invocation, or an internal task
 * (delivering a timeout, closing a handler, provisioning an environment). The {@link WorkTracker}
 * knows every unit in flight, which is what quiescence and the drain on close are decided from.
 *
 * <p>{@link #inUserCode} marks the stretches where the thread runs the user's code (a handler, a
 * factory, a close, a future's callbacks): a thread blocked there is waiting on the world, so the
 * unit counts as quiescent; a thread blocked anywhere else is in the middle of the runtime's own
 * bookkeeping and does not. It is written with release stores, not volatile ones (an invocation
 * crosses into user code and back twice, and a volatile store costs a fence each time): a thread
 * that blocks does so through stores of its own state that order the flag's before them.
 */
public abstract class Work implements Runnable {

    private static final VarHandle IN_USER_CODE = VarHandles.field(MethodHandles.lookup(), "inUserCode", boolean.class);

    private final WorkTracker tracker;
    private volatile Thread thread;

    @SuppressWarnings("unused") // through IN_USER_CODE
    private boolean inUserCode;
    // Where the tracker keeps the unit: guarded by the lock of the stripe it was added to.
    int stripe;
    int slot = -1;

    public Work(WorkTracker tracker) {
        this.tracker = tracker;
    }

    @Override
    public final void run() {
        try {
            execute();
        } finally {
            tracker.finished(this);
        }
    }

    /** The work itself, on its own thread. */
    protected abstract void execute();

    /** Makes the thread this unit runs on; an invocation whose allocation is metered makes its own. */
    protected Thread newThread(ThreadFactory threads) {
        return threads.newThread(this);
    }

    /**
     * Called once the unit is tracked and before its thread starts: throwing refuses it. A check made
     * here cannot miss a drain that began before it, since the drain then sees the unit.
     */
    protected void admitted() {}

    /** Whether the runtime's close must wait for this unit before it closes environments. */
    protected abstract boolean blocksDrain();

    /** A few words for "still busy" messages. */
    public abstract String describe();

    /** Whether the thread runs the user's code now. */
    public final boolean inUserCode() {
        return (boolean) IN_USER_CODE.getAcquire(this);
    }

    public final void inUserCode(boolean inUserCode) {
        IN_USER_CODE.setRelease(this, inUserCode);
    }

    void bind(Thread thread) {
        this.thread = thread;
    }

    public Thread thread() {
        return thread;
    }

    /** Whether the thread is running user code without blocking: a handler computing. */
    boolean isComputingInUserCode() {
        Thread current = thread;
        return current != null && current.getState() == Thread.State.RUNNABLE && inUserCode();
    }

    /** Finished, or blocked inside user code: nothing will happen here until the world moves. */
    boolean isQuiescent() {
        Thread current = thread;
        if (current == null) {
            return false;
        }
        return switch (current.getState()) {
            case TERMINATED -> true;
            case WAITING, TIMED_WAITING, BLOCKED -> inUserCode();
            case NEW, RUNNABLE -> false;
        };
    }
}
