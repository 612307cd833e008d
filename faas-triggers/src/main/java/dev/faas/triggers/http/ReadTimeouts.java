package dev.faas.triggers.http;

import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Disconnects a client that stalls while it sends a request: its headers (from the end of the
 * request line) past the header timeout, its body past the body timeout. Helidon's server limits
 * only the idle time between requests, so a client that sent a request line and then nothing
 * would hold its connection, and a stalled body its in-flight slot, for ever.
 *
 * <p>Each connection's thread arms a deadline on its {@link Watch} before it reads and disarms it
 * after: two volatile writes and a clock read, no lock. One sweeper thread per trigger looks at the
 * deadlines every tick and interrupts the thread of a read that is late; a virtual thread
 * interrupted in a blocking socket read has its channel closed, which ends the read and the
 * connection. The sweeper claims a deadline by compare-and-set before it interrupts, and marks it
 * once the interrupt is sent; a reader that finds its deadline claimed waits for that mark, then
 * clears the interrupt, so no interrupt reaches a thread after its read has been disarmed.
 */
final class ReadTimeouts implements Http1ConnectionListener, AutoCloseable {

    private final long headerNanos;
    private final long bodyNanos;
    private final long tickNanos;
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<Watch> current = ThreadLocal.withInitial(this::register);
    private final Thread sweeper;
    private volatile boolean closed;

    ReadTimeouts(String triggerName, Duration headerTimeout, Duration bodyTimeout) {
        this.headerNanos = headerTimeout.toNanos();
        this.bodyNanos = bodyTimeout.toNanos();
        // A tenth of the shorter timeout, so a read is cut off at most 10% late; 10 ms to 1 s.
        this.tickNanos = Math.clamp(Math.min(headerNanos, bodyNanos) / 10, 10_000_000L, 1_000_000_000L);
        this.sweeper = Thread.ofPlatform()
                .daemon()
                .name("faas-http-read-timeouts-" + triggerName)
                .unstarted(this::sweep);
        sweeper.start();
    }

    /** One thread's read deadline: a connection's, since a connection's requests run on its thread. */
    static final class Watch {
        private static final long IDLE = 0;
        private static final long CLAIMED = Long.MIN_VALUE; // the sweeper is interrupting the thread
        private static final long INTERRUPTED = Long.MIN_VALUE + 1; // ... and has
        private static final VarHandle DEADLINE;

        static {
            try {
                DEADLINE = MethodHandles.lookup().findVarHandle(Watch.class, "deadline", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Thread thread = Thread.currentThread();

        @SuppressWarnings("unused") // through DEADLINE
        private volatile long deadline = IDLE;

        /** Starts a read that must end within the timeout. */
        void arm(long timeoutNanos) {
            long at = System.nanoTime() + timeoutNanos;
            deadline = at == IDLE || at == CLAIMED || at == INTERRUPTED ? at + 2 : at;
        }

        /**
         * Ends the read the last {@link #arm} started; idempotent. The thread's interrupt is cleared
         * if the sweeper sent one, and the channel it was reading from is then closed if the
         * interrupt came while it read.
         *
         * @return whether the read ended before the sweeper claimed its deadline
         */
        boolean disarm() {
            long at = (long) DEADLINE.getVolatile(this);
            if (at != CLAIMED && at != INTERRUPTED && DEADLINE.compareAndSet(this, at, IDLE)) {
                return true;
            }
            while ((long) DEADLINE.getVolatile(this) == CLAIMED) { // the interrupt is on its way
                Thread.onSpinWait();
            }
            Thread.interrupted();
            deadline = IDLE;
            return false;
        }

        /** The sweeper's side: interrupts the thread if its read is past its deadline. */
        boolean expire(long now) {
            long at = (long) DEADLINE.getVolatile(this);
            if (at == IDLE
                    || at == CLAIMED
                    || at == INTERRUPTED
                    || now - at < 0
                    || !DEADLINE.compareAndSet(this, at, CLAIMED)) {
                return false;
            }
            thread.interrupt();
            deadline = INTERRUPTED;
            return true;
        }
    }

    /** The calling connection thread's watch. */
    Watch watch() {
        return current.get();
    }

    long bodyNanos() {
        return bodyNanos;
    }

    private Watch register() {
        Watch watch = new Watch();
        watches.add(watch);
        return watch;
    }

    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        current.get().arm(headerNanos);
    }

    /** The headers are in; late or not, the request is served (a late one's interrupt is cleared). */
    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        current.get().disarm();
    }

    @SuppressWarnings("ModifyCollectionInEnhancedForLoop") // a concurrent set: removing while iterating is safe
    private void sweep() {
        while (!closed) {
            long now = System.nanoTime();
            for (Watch watch : watches) {
                if (!watch.thread.isAlive()) {
                    watches.remove(watch);
                } else {
                    watch.expire(now);
                }
            }
            LockSupport.parkNanos(tickNanos);
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(sweeper);
    }
}
