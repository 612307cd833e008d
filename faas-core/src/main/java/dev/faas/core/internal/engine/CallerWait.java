package dev.faas.core.internal.engine;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * How a caller waits for an invocation's outcome: a synchronous caller in {@link #await}, and a
 * thread blocking on the future of an asynchronous call ({@link CallFuture}). A platform thread
 * first spins for a few microseconds: a short call is then over before the caller would have
 * finished parking, and the caller is spared a futex wait, and the thread that ends the call a
 * futex wake, which on a virtual machine can cost more than the whole call (the JDK's
 * SynchronousQueue spins before blocking for the same reason). Only a few callers spin at once,
 * half the cores at most, so that spinning never starves the carrier threads the calls run on; the
 * others, and every virtual thread (whose park costs no system call), park at once. The wait is
 * uninterruptible and keeps the interrupt status.
 */
final class CallerWait {

    /** Longer than a no-op call takes end to end, shorter than a park and wake-up on a busy VM. */
    static final long SPIN_NANOS = 16_000;

    private static final int MAX_SPINNERS = Runtime.getRuntime().availableProcessors() / 2;
    private static final AtomicInteger spinners = new AtomicInteger();

    private CallerWait() {}

    /** Waits until the invocation's outcome is delivered; the delivering thread unparks this one. */
    static void await(Invocation invocation) {
        if (invocation.isDelivered()) {
            return;
        }
        if (startSpinning()) {
            try {
                long until = System.nanoTime() + SPIN_NANOS;
                while (!invocation.isDelivered() && System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
            } finally {
                spinners.decrementAndGet();
            }
        }
        boolean interrupted = false;
        while (!invocation.isDelivered()) {
            LockSupport.park(invocation);
            if (Thread.interrupted()) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Spins until {@code future} is done or the spin time is up; the caller then blocks as it would. */
    static void spinBriefly(CompletableFuture<?> future) {
        if (future.isDone() || !startSpinning()) {
            return;
        }
        try {
            long until = System.nanoTime() + SPIN_NANOS;
            while (!future.isDone() && System.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
        } finally {
            spinners.decrementAndGet();
        }
    }

    /** Whether this thread may spin: a platform thread, while fewer than the most spin; it then counts in. */
    private static boolean startSpinning() {
        if (Thread.currentThread().isVirtual() || spinners.get() >= MAX_SPINNERS) {
            return false;
        }
        if (spinners.incrementAndGet() <= MAX_SPINNERS) {
            return true;
        }
        spinners.decrementAndGet();
        return false;
    }
}
