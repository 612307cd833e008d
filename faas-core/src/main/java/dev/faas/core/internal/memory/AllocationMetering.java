package dev.faas.core.internal.memory;

import dev.faas.core.internal.util.Logs;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exact per-call allocation metering, as far as the JVM allows.
 *
 * <p>The JVM counts the bytes each platform thread allocates, but not each virtual thread. So a
 * metered invocation runs on a virtual thread whose scheduler is the runtime's: a per-call wrapper
 * (an {@link AllocationAccount}) over one carrier pool owned by the runtime, which reads its carrier's
 * counter before and after every mount and charges the difference to the call. Virtual threads the
 * handler starts inherit the scheduler, so they are charged too. This needs the JDK's
 * package-private virtual-thread builder that takes a scheduler, reachable only when
 * {@code java.base/java.lang} is opened to this library.
 *
 * <p>Without that opening, a function with an allocation limit runs on a platform thread of its own
 * per call, metered exactly but dearer to start, and its child virtual threads are not charged; other
 * functions are not metered. Which mode applies is decided once per JVM and logged once.
 */
public final class AllocationMetering {

    /** How allocation is metered in this JVM. */
    public enum Mode {
        /** Virtual threads on the runtime's carrier pool: exact, children included. */
        VIRTUAL,
        /** Platform threads, for functions with an allocation limit only. */
        PLATFORM,
        /** The JVM counts no per-thread allocation at all. */
        NONE
    }

    /** The JVM option that makes {@link Mode#VIRTUAL} available (on the class path). */
    static final String OPEN_OPTION = "--add-opens java.base/java.lang=ALL-UNNAMED";

    private static final Logger log = LoggerFactory.getLogger(Logs.RUNTIME);
    private static final com.sun.management.ThreadMXBean THREADS = threadBean();
    private static final MethodHandle VIRTUAL_BUILDER = THREADS == null ? null : virtualBuilder();
    public static final Mode MODE =
            VIRTUAL_BUILDER != null ? Mode.VIRTUAL : THREADS != null ? Mode.PLATFORM : Mode.NONE;

    static {
        switch (MODE) {
            case VIRTUAL ->
                log.info("faas: allocation metering is exact, on the runtime's own virtual-thread" + " scheduler");
            case PLATFORM ->
                log.info(
                        "faas: allocation metering runs on platform threads, for functions with an"
                                + " allocationLimitMb only; to meter virtual threads, start the JVM with {} ({} on the module path)",
                        OPEN_OPTION,
                        "--add-opens java.base/java.lang=dev.faas.core");
            case NONE ->
                log.info("faas: this JVM counts no per-thread allocation: calls are not metered, and"
                        + " allocationLimitMb is not enforced");
        }
    }

    private AllocationMetering() {}

    private static com.sun.management.ThreadMXBean threadBean() {
        try {
            if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean
                    && bean.isThreadAllocatedMemorySupported()) {
                if (!bean.isThreadAllocatedMemoryEnabled()) {
                    bean.setThreadAllocatedMemoryEnabled(true);
                }
                return bean;
            }
        } catch (RuntimeException | LinkageError unavailable) {
            log.debug("faas: per-thread allocation counters are unavailable", unavailable);
        }
        return null;
    }

    private static MethodHandle virtualBuilder() {
        try {
            Class<?> builder = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(builder, MethodHandles.lookup());
            return lookup.findConstructor(builder, MethodType.methodType(void.class, Executor.class))
                    .asType(MethodType.methodType(Thread.Builder.OfVirtual.class, Executor.class));
        } catch (ReflectiveOperationException | RuntimeException notOpened) {
            return null;
        }
    }

    /** The bytes the current platform thread has allocated so far. */
    static long currentThreadBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    /** The bytes a platform thread has allocated so far, or -1 if it is gone. */
    static long threadBytes(long threadId) {
        return THREADS.getThreadAllocatedBytes(threadId);
    }

    /** A builder of virtual threads scheduled by {@code scheduler}; only in {@link Mode#VIRTUAL}. */
    public static Thread.Builder.OfVirtual virtualThreads(Executor scheduler) {
        try {
            return (Thread.Builder.OfVirtual) VIRTUAL_BUILDER.invokeExact(scheduler);
        } catch (Throwable unexpected) {
            throw new IllegalStateException("cannot build a virtual thread with the runtime's scheduler", unexpected);
        }
    }

    /**
     * The runtime's carriers: a ForkJoinPool whose workers each hold a small index, so that an account
     * can remember which carrier a mount of its call is on. Parallelism is twice the cores (at least
     * four): a carrier pinned by a blocking call (file I/O; a monitor on JDK 21) gets no replacement
     * here, as the JDK's own scheduler would give it, so spare carriers keep the other calls moving.
     */
    public static final class CarrierPool {
        /** How many carriers run at most. */
        public final int parallelism;
        /**
         * How many carrier indexes there are: twice the parallelism, because a worker trimmed after
         * its keep-alive frees its index only as it terminates, after its replacement may have started.
         */
        final int size;

        private final ForkJoinPool pool;
        private final Carrier[] carriers;
        private final AtomicIntegerArray taken;

        public CarrierPool() {
            parallelism = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
            size = 2 * parallelism;
            carriers = new Carrier[size];
            taken = new AtomicIntegerArray(size);
            ForkJoinPool.ForkJoinWorkerThreadFactory factory = pool -> new Carrier(pool, this);
            pool = new ForkJoinPool(
                    parallelism,
                    factory,
                    null,
                    true,
                    parallelism,
                    parallelism,
                    1,
                    candidate -> true,
                    30,
                    TimeUnit.SECONDS);
        }

        void execute(Runnable mount) {
            pool.execute(mount);
        }

        /** The carrier with this index, or null when none holds it. */
        Carrier carrier(int index) {
            return carriers[index];
        }

        private int claim(Carrier carrier) {
            for (int i = 0; i < size; i++) {
                if (taken.compareAndSet(i, 0, 1)) {
                    carriers[i] = carrier;
                    return i;
                }
            }
            throw new IllegalStateException("more carriers than " + size); // the pool's maximum forbids it
        }

        private void free(int index) {
            if (index >= 0) { // -1: its start failed before it claimed one
                carriers[index] = null;
                taken.set(index, 0);
            }
        }

        /** Virtual threads on these carriers, unmetered: for hosts and triggers calling the runtime. */
        public ThreadFactory threads() {
            return virtualThreads(pool).inheritInheritableThreadLocals(false).factory();
        }
    }

    /** A worker of the carrier pool, with the index accounts know it by. */
    static final class Carrier extends ForkJoinWorkerThread {
        private final CarrierPool owner;
        int index = -1;

        Carrier(ForkJoinPool pool, CarrierPool owner) {
            super(null, pool, true);
            this.owner = owner;
            setDaemon(true);
        }

        @Override
        protected void onStart() {
            super.onStart();
            index = owner.claim(this);
            setName("faas-carrier-" + index);
        }

        @Override
        protected void onTermination(Throwable failure) {
            owner.free(index);
            super.onTermination(failure);
        }
    }
}
