package dev.faas.core.internal.work;

import dev.faas.core.internal.util.Logs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An internal unit of work: short runtime bookkeeping, or a call into user code such as a close. */
final class Task extends Work {

    private static final Logger log = LoggerFactory.getLogger(Logs.RUNTIME);

    private final String what;
    private final boolean userCode;
    private final Runnable body;

    Task(WorkTracker tracker, String what, boolean userCode, Runnable body) {
        super(tracker);
        this.what = what;
        this.userCode = userCode;
        this.body = body;
    }

    @Override
    protected void execute() {
        inUserCode(userCode);
        try {
            body.run();
        } catch (Throwable failure) {
            log.warn("faas: {} failed", what, failure);
        } finally {
            inUserCode(false);
        }
    }

    /** The task as a pool's thread runs it: bound to that thread first. A class, not a lambda (see Stop). */
    Runnable onPooledThread() {
        return new OnPooledThread(this);
    }

    private record OnPooledThread(Task task) implements Runnable {
        @Override
        public void run() {
            task.bind(Thread.currentThread());
            task.run();
        }
    }

    @Override
    protected boolean blocksDrain() {
        return true;
    }

    @Override
    public String describe() {
        return what;
    }
}
