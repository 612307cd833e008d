package dev.faas.core.internal.util;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * A lock held for a few stores only, as one word in the object it guards, so that taking it brings
 * that object's cache line along: one compare-and-set to take, one store to give back, nothing
 * allocated, no queue of waiters. A waiter spins briefly, then yields: the holder's thread may have
 * been descheduled in the middle of its few stores. Not reentrant.
 *
 * <p>A cache line of padding comes before the word, so that whatever lies before the object in memory
 * does not share its line; a subclass whose fields are written often pads its end too.
 */
public abstract class LockWord extends LockWordPadding {

    private static final VarHandle LOCKED = VarHandles.field(MethodHandles.lookup(), "locked", int.class);
    private static final int SPINS_BEFORE_YIELD = 64;

    private volatile int locked;

    /** Takes the lock if it is free; never waits. */
    public final boolean tryLock() {
        return locked == 0 && LOCKED.compareAndSet(this, 0, 1);
    }

    @SuppressWarnings("ThreadPriorityCheck") // after the spins, a holder preempted on a busy core must run
    public final void lock() {
        for (int spins = 0; !tryLock(); spins++) {
            if (spins < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    public final void unlock() {
        LOCKED.setRelease(this, 0); // a release store suffices, and costs no fence
    }

    /**
     * Stripes for a structure of lock words: a power of two of them, {@code perCore} per core (at
     * least two), at most 64, so that concurrent callers rarely meet at one.
     */
    public static <T extends LockWord> T[] stripes(int perCore, IntFunction<T[]> array, Supplier<T> stripe) {
        int wanted = Math.max(2, Runtime.getRuntime().availableProcessors() * perCore);
        T[] stripes = array.apply(Math.min(64, Integer.highestOneBit(wanted - 1) << 1));
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = stripe.get();
        }
        return stripes;
    }
}

/** 60 bytes before a {@link LockWord}: the int fills the gap after the object header, so that no field of a subclass does. */
@SuppressWarnings("unused")
abstract class LockWordPadding {
    private int p0;
    private long p1;
    private long p2;
    private long p3;
    private long p4;
    private long p5;
    private long p6;
    private long p7;
}
