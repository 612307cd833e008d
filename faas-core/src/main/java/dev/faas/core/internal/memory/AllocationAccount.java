package dev.faas.core.internal.memory;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What one invocation has allocated so far, in bytes.
 *
 * <p>{@link Virtual} is also the call's scheduler: every mount of the call's virtual threads runs as
 * a task of its own on the runtime's carrier pool, which reads the carrier's counter before and after
 * and settles the difference. While a mount is open, its carrier's index holds the counter value it
 * started from, so that {@link #liveBytes()} can add what the open mount has allocated so far. A
 * mount ends by closing its slot before it settles, and a reader takes the settled sum and the slots
 * twice around its counter reads, retrying until both agree: a mount that ends while it reads is
 * never counted twice, or it could stop a call that is within its limit.
 *
 * <p>{@link Platform} meters a call that runs on a platform thread of its own.
 */
public abstract class AllocationAccount {

    /** Bytes allocated so far, open mounts included. */
    public abstract long liveBytes();

    /** The scheduler of a call's virtual threads, metering each mount on its carrier. */
    public static final class Virtual extends AllocationAccount implements Executor {
        private static final long CLOSED = -1;

        private final AllocationMetering.CarrierPool carriers;
        private final AtomicLong settled = new AtomicLong();
        private final AtomicLongArray openMounts;
        /** The call to stop when a mount ends past its limit, or null when it has none. */
        private final RunningCall capped;

        private final long limitBytes;

        public Virtual(AllocationMetering.CarrierPool carriers, RunningCall capped, long limitBytes) {
            this.carriers = carriers;
            this.capped = capped;
            this.limitBytes = limitBytes;
            this.openMounts = new AtomicLongArray(carriers.size);
            for (int i = 0; i < carriers.size; i++) {
                openMounts.set(i, CLOSED);
            }
        }

        @Override
        public void execute(Runnable continuation) {
            carriers.execute(() -> mount(continuation));
        }

        private void mount(Runnable continuation) {
            int index = ((AllocationMetering.Carrier) Thread.currentThread()).index;
            long before = AllocationMetering.currentThreadBytes();
            openMounts.set(index, before);
            try {
                continuation.run();
            } finally {
                long after = AllocationMetering.currentThreadBytes();
                openMounts.set(index, CLOSED);
                if (settled.addAndGet(after - before) > limitBytes && capped != null) {
                    capped.checkAllocationLimit(); // at once, without waiting for the watchdog's next look
                }
            }
        }

        @Override
        public long liveBytes() {
            long settledBefore = 0;
            for (int attempt = 0; attempt < 100; attempt++) {
                settledBefore = settled.get();
                long open = 0;
                boolean consistent = true;
                for (int i = 0; i < openMounts.length() && consistent; i++) {
                    long start = openMounts.get(i);
                    if (start != CLOSED) {
                        AllocationMetering.Carrier carrier = carriers.carrier(i);
                        long now = carrier == null ? -1 : AllocationMetering.threadBytes(carrier.threadId());
                        consistent = now >= start && openMounts.get(i) == start;
                        open += now - start;
                    }
                }
                if (consistent && settled.get() == settledBefore) {
                    return settledBefore + open;
                }
                Thread.onSpinWait();
            }
            return settledBefore; // mounting without pause: the settled part is a safe lower bound
        }
    }

    /**
     * A call on a platform thread of its own: its counter is the call's. The final figure is taken on
     * the thread as it ends, since a thread that has ended has no counter left to read.
     */
    public static final class Platform extends AllocationAccount {
        private volatile Thread thread;
        private volatile long start;
        private volatile long ended = -1;

        /** Called on the call's thread before it runs anything. */
        public void begin() {
            start = AllocationMetering.currentThreadBytes();
            thread = Thread.currentThread();
        }

        /** Called on the call's thread as it ends. */
        public void end() {
            ended = AllocationMetering.currentThreadBytes() - start;
        }

        @Override
        public long liveBytes() {
            long total = ended;
            if (total >= 0) {
                return total;
            }
            Thread current = thread;
            long now = current == null ? -1 : AllocationMetering.threadBytes(current.threadId());
            return now < 0 ? Math.max(ended, 0) : now - start;
        }
    }
}
