package dev.faas.core.internal.environment;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionInitException;
import dev.faas.api.Handler;
import dev.faas.api.HandlerFactory;
import dev.faas.api.TimeSource;
import dev.faas.core.internal.util.Failures;
import dev.faas.core.internal.util.Logs;
import dev.faas.core.internal.work.Work;
import dev.faas.core.internal.work.WorkTracker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The execution environments of one function. An environment is its handler instance: the pool
 * keeps no object of its own per environment, and a call that holds one holds its handler and
 * whether it is provisioned.
 *
 * <p>Idle environments wait in {@link IdleEnvironments}, provisioned ones apart from on-demand
 * ones; a call takes a most recently used one, so that a few hot environments serve steady traffic
 * and the rest age out. Whoever removes an environment from the idle ones owns it: a call that takes
 * it, the idle sweeper that expires it, or the pool closing it; so an environment needs no state of
 * its own.
 *
 * <p>Idle expiry costs one timer per pool, not one per call: the timer is armed for the moment the
 * oldest idle environment expires; when it fires, the sweeper closes what has expired and arms it
 * again for the new oldest. A release that finds no timer armed arms one. Provisioned environments
 * never expire; one that is discarded is replaced in the background.
 */
public final class EnvironmentPool {

    private static final Logger log = LoggerFactory.getLogger(Logs.RUNTIME);

    private final TimeSource clock;
    private final WorkTracker work;
    private final Owner owner;
    private final String function;
    private final HandlerFactory<Object, Object> factory;
    private final Duration initTimeout;
    private final long idleTimeoutNanos;
    private final IdleEnvironments idle = new IdleEnvironments();
    private final IdleEnvironments provisionedIdle = new IdleEnvironments();
    private final AtomicInteger alive = new AtomicInteger();
    private final AtomicInteger provisionedAlive = new AtomicInteger();
    private final AtomicBoolean sweepArmed = new AtomicBoolean();
    private volatile TimeSource.Cancellable sweep;
    private volatile boolean closed;

    /** What the pool tells its function: the count of orphaned threads it keeps. */
    public interface Owner {

        void orphanStarted();

        void orphanEnded();
    }

    public EnvironmentPool(
            String function,
            HandlerFactory<Object, Object> factory,
            FunctionConfig config,
            TimeSource clock,
            WorkTracker work,
            Owner owner) {
        this.function = function;
        this.factory = factory;
        this.initTimeout = config.initTimeout();
        this.idleTimeoutNanos = config.idleTimeout().toNanos();
        this.clock = clock;
        this.work = work;
        this.owner = owner;
    }

    /**
     * A warm provisioned environment, now the caller's, or null when none is idle.
     *
     * @param spread random bits of the caller's, to spread concurrent calls (see IdleEnvironments)
     */
    public Handler<Object, Object> acquireProvisioned(int spread) {
        return provisionedAlive.get() > 0 ? provisionedIdle.poll(spread) : null;
    }

    /** A warm on-demand environment, now the caller's, or null when a cold start is needed. */
    public Handler<Object, Object> acquire(int spread) {
        return idle.poll(spread);
    }

    /** Counts in the environment a cold start made, now held by its call. */
    public void adopt() {
        alive.incrementAndGet();
    }

    /** Gives back a held environment after a call that left it healthy, idle since {@code now}. */
    public void release(Handler<Object, Object> environment, boolean provisioned, long now, int spread) {
        offer(provisioned ? provisionedIdle : idle, environment, now, spread);
        if (!provisioned && !closed) {
            armSweep();
        }
    }

    /** Discards a held environment whose call timed out, threw an Error, or was stopped. */
    public void discard(Handler<Object, Object> environment, boolean provisioned) {
        closeHandler(environment, provisioned);
        if (provisioned && !closed) {
            replaceProvisioned();
        }
    }

    /** Closes every idle environment and, from now on, every one that is released. */
    public void close() {
        closed = true;
        TimeSource.Cancellable armed = sweep;
        if (armed != null) {
            armed.cancel();
        }
        closeIdle(idle);
        closeIdle(provisionedIdle);
    }

    public int environments() {
        return alive.get();
    }

    public int idleEnvironments() {
        return idle.size() + provisionedIdle.size();
    }

    public int provisionedEnvironments() {
        return provisionedAlive.get();
    }

    /**
     * Initialises {@code count} provisioned environments in parallel and adds them to the pool; on
     * failure closes those that were made and throws the first failure.
     */
    public void provision(int count) {
        if (count == 0) {
            return;
        }
        List<CompletableFuture<Handler<Object, Object>>> inits = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            inits.add(initialize());
        }
        FunctionInitException failure = null;
        long now = clock.nanoTime();
        for (CompletableFuture<Handler<Object, Object>> init : inits) {
            try {
                provisionedIdle.push(
                        init.join(), now, ThreadLocalRandom.current().nextInt());
            } catch (RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                if (failure == null) {
                    failure = cause instanceof FunctionInitException initFailure
                            ? initFailure
                            : new FunctionInitException(
                                    function,
                                    null,
                                    "function '" + function + "': provisioning failed: " + Failures.describe(cause),
                                    cause);
                }
            }
        }
        if (failure != null) {
            close();
            throw failure;
        }
    }

    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete's action handles the failure
    private void replaceProvisioned() {
        initialize().whenComplete((handler, failure) -> {
            if (failure != null) {
                log.warn(
                        "faas: function '{}' lost a provisioned environment and could not replace it: {}",
                        function,
                        failure.getMessage());
            } else {
                offer(
                        provisionedIdle,
                        handler,
                        clock.nanoTime(),
                        ThreadLocalRandom.current().nextInt());
            }
        });
    }

    /** Puts an idle environment back; one that arrives after close() is closed, not kept. */
    private void offer(IdleEnvironments home, Handler<Object, Object> environment, long now, int spread) {
        home.push(environment, now, spread);
        if (closed) {
            closeIdle(home);
        }
    }

    private CompletableFuture<Handler<Object, Object>> initialize() {
        Provisioning provisioning = new Provisioning();
        work.start(provisioning);
        return provisioning.result;
    }

    /** Arms the one sweep timer for the oldest idle environment, unless it is armed already. */
    private void armSweep() {
        while (!sweepArmed.get() && sweepArmed.compareAndSet(false, true)) {
            long oldest = idle.oldestIdleSince();
            if (oldest != Long.MAX_VALUE) {
                long delay = Math.max(0, oldest + idleTimeoutNanos - clock.nanoTime());
                sweep = clock.schedule(Duration.ofNanos(delay), this::sweep);
                return;
            }
            sweepArmed.set(false);
            if (idle.isEmpty()) { // a release that saw the timer armed may have come in meanwhile
                return;
            }
        }
    }

    private void sweep() {
        sweepArmed.set(false);
        if (closed) {
            return;
        }
        for (Handler<Object, Object> expired : idle.removeExpired(clock.nanoTime(), idleTimeoutNanos)) {
            closeHandler(expired, false);
        }
        if (!idle.isEmpty()) {
            armSweep();
        }
    }

    private void closeIdle(IdleEnvironments from) {
        boolean provisioned = from == provisionedIdle;
        for (Handler<Object, Object> environment : from.removeAll()) {
            closeHandler(environment, provisioned);
        }
    }

    /** Counts the environment gone and closes an AutoCloseable handler on a thread of its own. */
    private void closeHandler(Handler<Object, Object> environment, boolean provisioned) {
        alive.decrementAndGet();
        if (provisioned) {
            provisionedAlive.decrementAndGet();
        }
        closeQuietly(environment);
    }

    /** Closes a handler that never became (or no longer is) part of an environment. */
    public void closeQuietly(Handler<Object, Object> handler) {
        if (handler instanceof AutoCloseable closeable) {
            work.runUserTask("closing a handler of '" + function + "'", () -> {
                try {
                    closeable.close();
                } catch (Exception e) {
                    log.warn("faas: closing a handler of function '{}' failed", function, e);
                }
            });
        }
    }

    /**
     * The INIT phase of a provisioned environment, on a tracked thread of its own and bounded by
     * the init timeout. The future is the arbiter: the factory's result and the timer race to
     * complete it, and a factory that finishes after the timer is an orphan whose handler is closed.
     */
    private final class Provisioning extends Work {
        final CompletableFuture<Handler<Object, Object>> result = new CompletableFuture<>();

        Provisioning() {
            super(work);
        }

        @Override
        protected void execute() {
            TimeSource.Cancellable timer = clock.schedule(initTimeout, this::expire);
            Handler<Object, Object> handler = null;
            Throwable failure = null;
            inUserCode(true);
            try {
                handler = factory.create();
            } catch (Throwable t) {
                failure = t;
            } finally {
                inUserCode(false);
            }
            timer.cancel();
            if (failure == null && handler == null) {
                failure = new NullPointerException("the handler factory returned null; it must return a Handler");
            }
            if (failure != null) {
                if (!result.completeExceptionally(new FunctionInitException(
                        function,
                        null,
                        "function '" + function + "': the handler factory failed while provisioning: "
                                + Failures.describe(failure),
                        failure))) {
                    owner.orphanEnded(); // the timer won: this thread was an orphan
                }
                return;
            }
            alive.incrementAndGet();
            provisionedAlive.incrementAndGet();
            if (!result.complete(handler)) {
                owner.orphanEnded();
                closeHandler(handler, true);
            }
        }

        private void expire() {
            owner.orphanStarted(); // counted before the race is decided, so the count never dips below zero
            if (result.completeExceptionally(new FunctionInitException(
                    function,
                    null,
                    "function '" + function
                            + "': provisioning passed the initTimeout of " + initTimeout.toMillis()
                            + " ms; raise initTimeout, or make the handler factory faster",
                    null))) {
                Thread thread = thread();
                if (thread != null) {
                    thread.interrupt();
                }
            } else {
                owner.orphanEnded();
            }
        }

        @Override
        protected boolean blocksDrain() {
            return !result.isDone();
        }

        @Override
        public String describe() {
            return "provisioning an environment of '" + function + "'";
        }
    }
}
