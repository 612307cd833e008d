package dev.faas.core;

import dev.faas.api.Context;
import dev.faas.api.FaasException;
import dev.faas.api.FunctionFailedException;
import dev.faas.api.FunctionInitException;
import dev.faas.api.FunctionTimeoutException;
import dev.faas.api.Handler;
import dev.faas.api.InvocationReport;
import dev.faas.api.InvocationType;
import dev.faas.api.Outcome;
import dev.faas.api.PayloadTypeException;
import dev.faas.api.RuntimeClosedException;
import dev.faas.api.TimeSource;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * One invocation: its {@link Context}, the thread that runs it, and the state machine that decides
 * its outcome.
 *
 * <p>The state moves STARTING -> HANDLING -> FINISHED on the invocation's own thread; a deadline
 * timer (or the runtime closing) may instead move STARTING or HANDLING to a stopped state. Every move
 * is a compare-and-set, and whoever makes the move out of a running state owns the outcome: it
 * records the invocation, releases what must be released and delivers the result to the caller,
 * in that order, so that the caller never sees an outcome before its bookkeeping is done.
 *
 * <p>When a timer wins, the caller is released at once while the handler's thread, interrupted,
 * may keep running: it is an orphan, counted by the engine, and it keeps its concurrency slot until
 * it really ends, when it also discards its environment (closing the handler).
 *
 * <p>Fields written by the invocation's thread before a timer is armed (the cold-start facts, the
 * deadline) are visible to that timer, since arming a timer happens-before it fires. The outcome
 * fields are written by the owner and published to the caller by the volatile {@code delivered}.
 */
final class Invocation extends Work implements Context {

    private static final int STARTING = 0;
    private static final int HANDLING = 1;
    private static final int FINISHED = 2;
    private static final int TIMED_OUT = 3;
    private static final int INIT_TIMED_OUT = 4;
    private static final int SHUT_DOWN = 5;

    private static final String VERSION = "$LATEST";
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Invocation.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Deployment function;
    private final String requestId;
    private final Object input;
    private final InvocationType type;
    private final int attempt;
    private final Thread waiter;
    private final CompletableFuture<Object> future;
    private final Instant start;
    private final long startNanos;

    private volatile int state = STARTING;
    private Environment environment;
    private TimeSource.Cancellable timer;
    private boolean coldStart;
    private long initNanos;
    private long handlerStartNanos;
    private long deadlineNanos;

    private Outcome outcome;
    private Object output;
    private Throwable error;
    private long durationNanos;
    private long billedDurationMs;
    private volatile boolean delivered;

    /**
     * @param future where to deliver the outcome, or null when the calling thread will wait in
     *     {@link #await()}
     */
    Invocation(Deployment function, Object input, InvocationType type, int attempt,
               CompletableFuture<Object> future) {
        super(function.engine.work);
        this.function = function;
        this.requestId = RequestIds.next();
        this.input = input;
        this.type = type;
        this.attempt = attempt;
        this.future = future;
        this.waiter = future == null ? Thread.currentThread() : null;
        TimeSource clock = function.engine.clock;
        this.start = clock.now();
        this.startNanos = clock.nanoTime();
    }

    // ---- the invocation's own thread ----

    @Override
    void execute() {
        MDC.put("requestId", requestId);
        MDC.put("function", function.name);
        try {
            function.engine.reportLog.start(this);
            run(function.engine);
        } catch (Throwable unexpected) {
            // Whatever went wrong, the caller must not be left waiting.
            finish(environment == null ? Outcome.INIT_ERROR : Outcome.ERROR, null, unexpected);
        } finally {
            if (state != FINISHED) {
                endOrphan();
            }
            MDC.clear();
        }
    }

    private void run(Engine engine) throws Throwable {
        Environment warm = function.environments.acquire();
        if (warm == null) {
            if (!coldStart(engine)) {
                return;
            }
        } else {
            environment = warm;
            handlerStartNanos = engine.clock.nanoTime();
            if (!STATE.compareAndSet(this, STARTING, HANDLING)) {
                return;
            }
        }
        deadlineNanos = handlerStartNanos + function.timeoutNanos;
        timer = engine.clock.schedule(function.config.timeout(), this::handlerDeadline);
        Object result;
        inUserCode = true;
        try {
            result = environment.handler.handle(input, this);
        } finally {
            inUserCode = false;
        }
        if (result != null && !function.outputType.isInstance(result)) {
            finish(Outcome.ERROR, null, new PayloadTypeException(function.name, "the handler of function '"
                    + function.name + "' returned a " + result.getClass().getName() + ", but the function's"
                    + " output type is " + function.outputType.getName()));
        } else {
            finish(Outcome.SUCCESS, result, null);
        }
    }

    /**
     * The INIT phase: makes this call's environment, under the init deadline. Returns false when
     * the deadline (or a shutdown) won; throws what the factory threw.
     */
    private boolean coldStart(Engine engine) throws Exception {
        coldStart = true;
        long initStart = engine.clock.nanoTime();
        timer = engine.clock.schedule(function.config.initTimeout(), this::initDeadline);
        Handler<Object, Object> handler;
        inUserCode = true;
        try {
            handler = function.factory.create();
        } finally {
            inUserCode = false;
            handlerStartNanos = engine.clock.nanoTime();
            initNanos = handlerStartNanos - initStart;
        }
        if (handler == null) {
            throw new NullPointerException("the handler factory of function '" + function.name + "' returned null");
        }
        // The facts above are published to a stopper by this compare-and-set.
        if (!STATE.compareAndSet(this, STARTING, HANDLING)) {
            function.environments.closeQuietly(handler);
            return false;
        }
        timer.cancel();
        environment = function.environments.adopt(handler);
        return true;
    }

    /** The invocation's thread reached an outcome: if no timer won, it owns the outcome. */
    private void finish(Outcome outcome, Object output, Throwable error) {
        long end = function.engine.clock.nanoTime();
        int from = state;
        if ((from != STARTING && from != HANDLING) || !STATE.compareAndSet(this, from, FINISHED)) {
            return;
        }
        if (timer != null) {
            timer.cancel();
        }
        if (environment != null) {
            if (error instanceof Error) {
                function.environments.discard(environment);
            } else {
                function.environments.release(environment);
            }
        }
        this.outcome = outcome;
        this.output = output;
        this.error = error;
        if (outcome == Outcome.INIT_ERROR) {
            settle(initNanos);
        } else {
            durationNanos = end - handlerStartNanos;
            settle(durationNanos + billedInit());
        }
    }

    /** The end of a thread that lost its invocation to a timer or a shutdown. */
    private void endOrphan() {
        if (environment != null) {
            function.environments.discard(environment);
        }
        function.releaseSlot();
        function.engine.orphans.decrementAndGet();
    }

    // ---- timers and shutdown ----

    private void initDeadline() {
        stop(STARTING, INIT_TIMED_OUT);
    }

    private void handlerDeadline() {
        stop(HANDLING, TIMED_OUT);
    }

    /** Gives up on the call if it is still running: the runtime is closing and the drain timed out. */
    void shutDown() {
        int from = state;
        if (from == STARTING || from == HANDLING) {
            stop(from, SHUT_DOWN);
        }
    }

    private void stop(int expected, int stopped) {
        if (!STATE.compareAndSet(this, expected, stopped)) {
            return;
        }
        function.engine.orphans.incrementAndGet();
        thread().interrupt();
        // The caller's future may run user callbacks: deliver off the timer's thread.
        function.engine.work.runTask("delivering the " + (stopped == SHUT_DOWN ? "shutdown" : "timeout")
                + " of request " + requestId + " of '" + function.name + "'", () -> deliverStopped(expected, stopped));
    }

    private void deliverStopped(int from, int stopped) {
        MDC.put("requestId", requestId);
        MDC.put("function", function.name);
        try {
            switch (stopped) {
                case TIMED_OUT -> {
                    outcome = Outcome.TIMEOUT;
                    durationNanos = function.timeoutNanos;
                    settle(durationNanos + billedInit());
                }
                case INIT_TIMED_OUT -> {
                    outcome = Outcome.INIT_ERROR;
                    initNanos = function.config.initTimeout().toNanos();
                    settle(initNanos);
                }
                default -> {
                    outcome = Outcome.ERROR;
                    error = new RuntimeClosedException(function.name);
                    if (from == HANDLING) {
                        durationNanos = function.engine.clock.nanoTime() - handlerStartNanos;
                        settle(durationNanos + billedInit());
                    } else {
                        settle(0); // stopped before its handler started: only the minimum is billed
                    }
                }
            }
        } finally {
            MDC.clear();
        }
        // Unlike a finished call, a stopped one keeps its slot until its thread ends (endOrphan).
    }

    /** Bills and records the outcome, releases the slot of a finished call, then hands the outcome over. */
    private void settle(long billableNanos) {
        billedDurationMs = function.engine.pricing.billedDurationMs(billableNanos);
        function.engine.record(this);
        if (state == FINISHED) {
            function.releaseSlot();
        }
        deliver();
    }

    private long billedInit() {
        return coldStart && function.engine.pricing.billInit() ? initNanos : 0;
    }

    private void deliver() {
        if (future == null) {
            delivered = true;
            LockSupport.unpark(waiter);
            return;
        }
        delivered = true;
        boolean wasInUserCode = inUserCode;
        inUserCode = true;
        try {
            if (outcome == Outcome.SUCCESS) {
                future.complete(output);
            } else {
                future.completeExceptionally(failure());
            }
        } finally {
            inUserCode = wasInUserCode;
        }
    }

    // ---- the caller ----

    /** Waits, uninterruptibly, until the outcome is delivered (the deadline bounds the wait). */
    void awaitDelivery() {
        boolean interrupted = false;
        while (!delivered) {
            LockSupport.park(this);
            if (Thread.interrupted()) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for the outcome: the output, or the exception made on the caller's own stack. */
    Object await() {
        awaitDelivery();
        if (outcome == Outcome.SUCCESS) {
            return output;
        }
        throw failure();
    }

    /** The exception {@code invoke} throws for this outcome. */
    FaasException failure() {
        return switch (outcome) {
            case SUCCESS -> throw new IllegalStateException("request " + requestId + " succeeded");
            case TIMEOUT -> new FunctionTimeoutException(function.name, requestId, function.config.timeout());
            case INIT_ERROR -> error == null
                    ? new FunctionInitException(function.name, requestId, "function '" + function.name
                            + "': the INIT phase passed its initTimeout of " + function.config.initTimeout().toMillis()
                            + " ms; raise initTimeout, or make the handler factory faster", null)
                    : new FunctionInitException(function.name, requestId, "function '" + function.name
                            + "': the handler factory failed: " + error, error);
            case ERROR, MEMORY_LIMIT -> error instanceof RuntimeClosedException closed
                    ? closed
                    : new FunctionFailedException(function.name, requestId, error);
        };
    }

    InvocationReport report() {
        return new InvocationReport(requestId, function.name, VERSION, type, outcome, start,
                Duration.ofNanos(durationNanos), billedDurationMs, function.config.memoryMb(), allocatedBytes(),
                coldStart ? Optional.of(Duration.ofNanos(initNanos)) : Optional.empty(), coldStart, attempt,
                Optional.ofNullable(output), outcome == Outcome.SUCCESS ? Optional.empty() : Optional.of(failure()));
    }

    // ---- facts for the ledger and the REPORT line, valid once the outcome is settled ----

    Outcome outcome() {
        return outcome;
    }

    long durationNanos() {
        return durationNanos;
    }

    long billedDurationMs() {
        return billedDurationMs;
    }

    boolean coldStart() {
        return coldStart;
    }

    long initNanos() {
        return initNanos;
    }

    long allocatedBytes() {
        return -1;
    }

    Instant start() {
        return start;
    }

    // ---- Work ----

    @Override
    boolean blocksDrain() {
        return !delivered;
    }

    @Override
    String describe() {
        return "request " + requestId + " of '" + function.name + "'";
    }

    // ---- Context ----

    @Override
    public String requestId() {
        return requestId;
    }

    @Override
    public String functionName() {
        return function.name;
    }

    @Override
    public String functionVersion() {
        return VERSION;
    }

    @Override
    public int memoryLimitMb() {
        return function.config.memoryMb();
    }

    @Override
    public Instant deadline() {
        return start.plusNanos(deadlineNanos - startNanos);
    }

    @Override
    public Duration remainingTime() {
        return Duration.ofNanos(Math.max(0, deadlineNanos - function.engine.clock.nanoTime()));
    }

    @Override
    public Map<String, String> environment() {
        return function.config.environment();
    }

    @Override
    public InvocationType invocationType() {
        return type;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public Logger logger() {
        return function.logger;
    }

    @Override
    public boolean isCancelled() {
        return state > FINISHED;
    }

    @Override
    public String toString() {
        return "Invocation[" + requestId + " of " + function.name + "]";
    }
}
