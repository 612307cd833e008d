package dev.faas.triggers.http;

import io.helidon.http.DirectHandler;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
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
 * connection. A deadline is claimed by compare-and-set, so an interrupt reaches only a read that
 * has not ended: the reader that finds its deadline claimed clears the interrupt and gives up.
 */
final class ReadTimeouts implements Http1ConnectionListener, AutoCloseable {

    private static final long IDLE = 0;
    private static final long EXPIRED = Long.MIN_VALUE;

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
        this.sweeper = Thread.ofPlatform().daemon().name("faas-http-read-timeouts-" + triggerName).unstarted(this::sweep);
        sweeper.start();
    }

    /** One connection's read deadline: its thread's, since a connection's requests run on its thread. */
    static final class Watch {
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

        void arm(long timeoutNanos) {
            long at = System.nanoTime() + timeoutNanos;
            deadline = at == IDLE || at == EXPIRED ? at + 1 : at;
        }

        /**
         * Ends the read the last {@link #arm} started.
         *
         * @return whether it ended in time; if not, the thread's interrupt is cleared, and its
         *         connection is closed if the interrupt came while it was reading
         */
        boolean disarm() {
            long at = (long) DEADLINE.getVolatile(this);
            if (at != EXPIRED && DEADLINE.compareAndSet(this, at, IDLE)) {
                return true;
            }
            Thread.interrupted();
            deadline = IDLE;
            return false;
        }

        /** Claims the deadline if it has passed; the caller then interrupts the thread. */
        boolean expire(long now) {
            long at = (long) DEADLINE.getVolatile(this);
            return at != IDLE && at != EXPIRED && now - at >= 0 && DEADLINE.compareAndSet(this, at, EXPIRED);
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

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        if (!current.get().disarm()) { // late, though the read ended before the interrupt: answer it
            throw RequestException.builder()
                    .type(DirectHandler.EventType.BAD_REQUEST)
                    .status(Status.REQUEST_TIMEOUT_408)
                    .setKeepAlive(false)
                    .message(ServerRefusals.HEADER_TIMEOUT)
                    .build();
        }
    }

    private void sweep() {
        while (!closed) {
            long now = System.nanoTime();
            for (Watch watch : watches) {
                if (!watch.thread.isAlive()) {
                    watches.remove(watch);
                } else if (watch.expire(now)) {
                    watch.thread.interrupt();
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
