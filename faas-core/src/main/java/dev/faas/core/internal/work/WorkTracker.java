package dev.faas.core.internal.work;

import dev.faas.core.internal.util.LockWord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Starts every thread the runtime runs work on, from one thread factory, and keeps the units in
 * flight. The set is striped: each unit takes a slot in one of a few dozen arrays, chosen at random,
 * each under a lock word of its own, and gives it back when it ends; freed slots are reused newest
 * first. Adding and removing allocate nothing, hash nothing, touch no other unit (a doubly-linked
 * list, before, wrote to both neighbours of a unit as it left: two cache misses a call at 100,000
 * calls in flight), and almost never wait (no global lock on the invocation path). Questions about
 * the whole set (is anything busy? has the drain finished?) walk every stripe, which only tests and
 * {@code close()} do.
 */
public final class WorkTracker {

    private static final int MAX_LISTED = 5;
    private static final int BOOKKEEPING_THREADS = 64;
    private static final int SAMPLED_PER_STRIPE = 512;

    private final ThreadFactory threads;
    /**
     * Platform threads for the runtime's own short bookkeeping (delivering a timeout or a stop): a
     * host whose carriers are all held by handlers that compute without blocking still gets its
     * callers released at their deadlines.
     */
    private final ThreadPoolExecutor bookkeeping;
    /** Platform threads for user callbacks of stopped calls; as many as block at once. */
    private final ThreadPoolExecutor callbacks;

    private final Stripe[] stripes = LockWord.stripes(8, Stripe[]::new, Stripe::new);
    private final int mask = stripes.length - 1;

    public WorkTracker(ThreadFactory threads) {
        this.threads = threads;
        // Up to 64 at once: a delivery records its call first, and under sync durability that waits
        // for a force (each waits for its own, so that they share one).
        this.bookkeeping = new ThreadPoolExecutor(
                BOOKKEEPING_THREADS,
                BOOKKEEPING_THREADS,
                30,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                Thread.ofPlatform().name("faas-runtime-", 0).daemon().factory());
        bookkeeping.allowCoreThreadTimeOut(true);
        this.callbacks = new ThreadPoolExecutor(
                0,
                Integer.MAX_VALUE,
                30,
                TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                Thread.ofPlatform().name("faas-callbacks-", 0).daemon().factory());
    }

    /**
     * Runs user callbacks (a stopped call's future completing) on a platform thread of their own,
     * tracked: one that blocks holds only its own thread, and none needs a carrier.
     */
    public void runCallbacks(String what, Runnable body) {
        runPooled(callbacks, new Task(this, what, true, body));
    }

    /** Tracks the task from before a pool's thread takes it; one the pool refuses is let go again. */
    private void runPooled(ThreadPoolExecutor pool, Task task) {
        add(task);
        try {
            pool.execute(task.onPooledThread());
        } catch (RuntimeException | Error failure) {
            finished(task);
            throw failure;
        }
    }

    public ThreadFactory threads() {
        return threads;
    }

    /**
     * Starts {@code work} on a new thread, unless its {@link Work#admitted()} refuses it; the unit is
     * tracked from before its thread runs.
     */
    public void start(Work work) {
        Thread thread = work.newThread(threads);
        work.bind(thread);
        add(work);
        try {
            work.admitted();
            thread.start();
        } catch (RuntimeException | Error failure) {
            finished(work);
            throw failure;
        }
    }

    /**
     * Runs a short piece of runtime bookkeeping, tracked, on one of the runtime's platform threads.
     *
     * @throws java.util.concurrent.RejectedExecutionException once the runtime has closed
     */
    public void runTask(String what, Runnable body) {
        runPooled(bookkeeping, new Task(this, what, false, body));
    }

    /** Stops the bookkeeping threads once nothing is left for them (the runtime has closed). */
    public void close() {
        bookkeeping.shutdown();
        callbacks.shutdown();
    }

    /** Runs a call into user code (a close, a callback) on its own tracked thread. */
    public void runUserTask(String what, Runnable body) {
        start(new Task(this, what, true, body));
    }

    private void add(Work work) {
        int index = ThreadLocalRandom.current().nextInt() & mask;
        Stripe stripe = stripes[index];
        stripe.lock();
        try {
            work.stripe = index;
            work.slot = stripe.put(work);
        } finally {
            stripe.unlock();
        }
    }

    void finished(Work work) {
        Stripe stripe = stripes[work.stripe];
        stripe.lock();
        try {
            if (work.slot >= 0) { // else already removed
                stripe.remove(work.slot);
                work.slot = -1;
            }
        } finally {
            stripe.unlock();
        }
    }

    /** How many units are in flight. */
    public int inFlight() {
        int count = 0;
        for (Stripe stripe : stripes) {
            stripe.lock();
            try {
                count += stripe.size;
            } finally {
                stripe.unlock();
            }
        }
        return count;
    }

    /** A snapshot of the units in flight. */
    private List<Work> snapshot() {
        List<Work> all = new ArrayList<>();
        for (Stripe stripe : stripes) {
            stripe.lock();
            try {
                for (int slot = 0; slot < stripe.used; slot++) {
                    Work work = stripe.units[slot];
                    if (work != null) {
                        all.add(work);
                    }
                }
            } finally {
                stripe.unlock();
            }
        }
        return all;
    }

    /**
     * Shows {@code visitor} every unit in flight of the given kind, stripe by stripe under its lock,
     * allocating nothing: for the heap-pressure guard, which looks when the heap may be all but gone.
     * The visitor must be quick and take no lock of the runtime's.
     */
    public <T> void forEach(Class<T> kind, Consumer<? super T> visitor) {
        for (Stripe stripe : stripes) {
            stripe.lock();
            try {
                for (int slot = 0; slot < stripe.used; slot++) {
                    Work unit = stripe.units[slot];
                    if (kind.isInstance(unit)) {
                        visitor.accept(kind.cast(unit));
                    }
                }
            } finally {
                stripe.unlock();
            }
        }
    }

    /**
     * About how many units in flight are of the given kind and pass {@code test}: exact while a
     * stripe holds at most {@value #SAMPLED_PER_STRIPE} slots, else from that many spread evenly over
     * it, each standing for its share. A stripe's lock is held for that many looks at most, so calls
     * that start and end through it wait microseconds, not the milliseconds a walk of a million
     * takes; the count is for the heap guard's estimate after each collection, which needs about how
     * many, not which. Allocates nothing.
     */
    public <T> int estimate(Class<T> kind, Predicate<? super T> test) {
        long estimate = 0;
        for (Stripe stripe : stripes) {
            stripe.lock();
            try {
                int stride = Math.max(1, stripe.used / SAMPLED_PER_STRIPE);
                int passed = 0;
                for (int slot = 0; slot < stripe.used; slot += stride) {
                    Work unit = stripe.units[slot];
                    if (kind.isInstance(unit) && test.test(kind.cast(unit))) {
                        passed++;
                    }
                }
                estimate += stride == 1 ? passed : (long) passed * stripe.used / ((stripe.used + stride - 1) / stride);
            } finally {
                stripe.unlock();
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, estimate);
    }

    /** What is busy, or empty when every unit is finished or blocked in user code. */
    public Optional<String> busy() {
        return describe(work -> !work.isQuiescent());
    }

    /** The units of the given kind whose threads run user code without blocking, stopped ones (orphans) included. */
    public <T> List<T> computing(Class<T> kind) {
        List<T> computing = new ArrayList<>();
        for (Work work : snapshot()) {
            if (kind.isInstance(work) && work.isComputingInUserCode()) {
                computing.add(kind.cast(work));
            }
        }
        return computing;
    }

    /** What is busy other than user code computing (see ManualClock's user-code grace). */
    public Optional<String> busyOutsideUserCode() {
        return describe(work -> !work.isQuiescent() && !work.isComputingInUserCode());
    }

    /** Waits until nothing is busy; {@code what} names the waiter in the failure. */
    public void awaitQuiescence(Duration timeout, String what) {
        awaitNone(
                work -> !work.isQuiescent(),
                timeout,
                what + " waited " + timeout.toMillis()
                        + " ms for the runtime to become quiescent, but it is still busy: ");
    }

    /**
     * Waits until no unit blocks the drain (every caller has its outcome and no task is left) and
     * {@code moreToWaitFor} is false, up to {@code deadline} on {@link System#nanoTime()}.
     *
     * @return the units still blocking the drain when it gave up; empty if it finished
     */
    public List<Work> awaitDrain(long deadline, BooleanSupplier moreToWaitFor) {
        long pause = TimeUnit.MICROSECONDS.toNanos(50);
        while (true) {
            List<Work> left = snapshot().stream().filter(Work::blocksDrain).toList();
            if ((left.isEmpty() && !moreToWaitFor.getAsBoolean()) || System.nanoTime() - deadline > 0) {
                return left;
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    private void awaitNone(Predicate<Work> busy, Duration timeout, String failure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = TimeUnit.MICROSECONDS.toNanos(20);
        while (true) {
            Optional<String> left = describe(busy);
            if (left.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(failure + left.get());
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private Optional<String> describe(Predicate<Work> selected) {
        List<String> listed = new ArrayList<>();
        int count = 0;
        for (Work work : snapshot()) {
            if (selected.test(work)) {
                if (count++ < MAX_LISTED) {
                    Thread thread = work.thread();
                    listed.add(work.describe() + (thread == null ? " (starting)" : " (" + thread.getState() + ")"));
                }
            }
        }
        if (count == 0) {
            return Optional.empty();
        }
        String more = count > MAX_LISTED ? " and " + (count - MAX_LISTED) + " more" : "";
        return Optional.of(String.join(", ", listed) + more);
    }

    /**
     * Units in flight in slots {@code [0, used)}, the free ones among them on a stack; guarded by
     * the lock word.
     */
    private static final class Stripe extends LockWord {
        Work[] units = new Work[16];
        int[] free = new int[16];
        int freeCount;
        int used;
        int size;

        /** Puts the unit in a free slot and returns the slot. */
        int put(Work work) {
            int slot;
            if (freeCount > 0) {
                slot = free[--freeCount];
            } else {
                if (used == units.length) { // both made before either is kept: an OutOfMemoryError leaves them as they
                    // were
                    Work[] moreUnits = Arrays.copyOf(units, used * 2);
                    int[] moreFree = Arrays.copyOf(free, used * 2);
                    units = moreUnits;
                    free = moreFree;
                }
                slot = used++;
            }
            units[slot] = work;
            size++;
            return slot;
        }

        void remove(int slot) {
            units[slot] = null;
            free[freeCount++] = slot;
            size--;
        }
    }
}
