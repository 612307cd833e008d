package dev.faas.core.internal.ledger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The shape the ledger's journal and its sink forwarder share: callers only queue an item (a
 * lock-free queue) and wake the writer if it sleeps; one platform thread takes the queue in
 * batches and writes them. A batch that could not be written is kept, in order, and tried again
 * after a pause; a failure of the writer's own (an OutOfMemoryError of someone else's making) is
 * reported and lived through. Asked to stop, the writer writes what is queued, then ends.
 *
 * @param <T> what is queued
 */
abstract class BatchWriter<T> {

    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private final int maxBatch;
    /** The batch being written: the writer thread's, kept until {@link #write} is done with it. */
    private final List<T> batch = new ArrayList<>();

    private volatile boolean parked;
    private volatile boolean stopping;

    BatchWriter(String threadName, int maxBatch) {
        this.maxBatch = maxBatch;
        this.thread = Thread.ofPlatform().name(threadName).daemon().unstarted(this::writeLoop);
    }

    /**
     * Writes the batch, in order.
     *
     * @return true when done with it (it is then cleared), false to keep it for the next attempt
     */
    abstract boolean write(List<T> batch);

    /**
     * How long to pause after a write that failed, in nanoseconds, or a negative number to give the
     * batch up and end (a writer asked to stop may have tried long enough). A second, by default.
     */
    long pauseAfterFailure(boolean stopping) {
        return IDLE_NANOS;
    }

    /** Reports a failure of the writer's own; returns how long to pause, in nanoseconds. */
    abstract long survived(Throwable unexpected);

    /** After a batch was written: a chance to force what is due. */
    void written() {}

    /** Before the writer sleeps on an empty queue: a chance to force what is due; returns how long to sleep. */
    long idle() {
        return IDLE_NANOS;
    }

    /** On the writer's thread, as it ends, whatever ended it; the kept batch and the queue are what is left. */
    void finished() {}

    final void start() {
        thread.start();
    }

    final void enqueue(T item) {
        queue.offer(item);
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    /** The next queued item, or null: for what is left once the writer has ended. */
    final T poll() {
        return queue.poll();
    }

    /** The batch the writer kept, unwritten: for {@link #finished()}. */
    final List<T> keptBatch() {
        return batch;
    }

    /** Asks the writer to write what is queued and end, and waits for it up to {@code timeout}. */
    final void stop(Duration timeout) {
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeLoop() {
        try {
            while (true) {
                try {
                    for (T next; batch.size() < maxBatch && (next = queue.poll()) != null; ) {
                        batch.add(next);
                    }
                    if (!batch.isEmpty()) {
                        if (write(batch)) {
                            batch.clear();
                            written();
                            continue;
                        }
                        long pause = pauseAfterFailure(stopping);
                        if (pause < 0) {
                            break;
                        }
                        LockSupport.parkNanos(this, pause);
                        continue;
                    }
                    if (stopping) {
                        break;
                    }
                    long sleep = idle();
                    parked = true;
                    if (queue.isEmpty() && !stopping) {
                        LockSupport.parkNanos(this, sleep);
                    }
                    parked = false;
                } catch (Throwable unexpected) { // the batch is kept
                    LockSupport.parkNanos(this, survived(unexpected));
                }
            }
        } finally {
            finished();
        }
    }
}
