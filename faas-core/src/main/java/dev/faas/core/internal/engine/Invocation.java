package dev.faas.core.internal.engine;

import dev.faas.api.Context;
import dev.faas.api.FaasException;
import dev.faas.api.FunctionFailedException;
import dev.faas.api.FunctionInitException;
import dev.faas.api.FunctionTimeoutException;
import dev.faas.api.Handler;
import dev.faas.api.InvocationReport;
import dev.faas.api.InvocationType;
import dev.faas.api.MemoryLimitExceededException;
import dev.faas.api.Outcome;
import dev.faas.api.PayloadTypeException;
import dev.faas.api.RuntimeClosedException;
import dev.faas.api.TimeSource;
import dev.faas.core.internal.async.Event;
import dev.faas.core.internal.environment.EnvironmentPool;
import dev.faas.core.internal.memory.AllocationAccount;
import dev.faas.core.internal.memory.AllocationMetering;
import dev.faas.core.internal.memory.RunningCall;
import dev.faas.core.internal.observe.LoggedCall;
import dev.faas.core.internal.util.Failures;
import dev.faas.core.internal.util.RequestIds;
import dev.faas.core.internal.util.VarHandles;
import dev.faas.core.internal.work.Work;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;

/**
 * One invocation: its {@link Context}, the thread that runs it, and the state machine that decides
 * its outcome.
 *
 * <p>The state moves STARTING -> HANDLING -> FINISHED on the invocation's own thread; a deadline
 * timer, or the runtime closing, may instead move STARTING or HANDLING to a stopped state. Whoever
 * moves the state out of STARTING or HANDLING, by compare-and-set, owns the outcome: it alone writes
 * the outcome fields, records the invocation and delivers it to the caller (in a finally, so that a
 * caller is never left waiting), after the slot of a finished call is released.
 *
 * <p>When a stopper wins, the caller is released at once while the handler's thread, interrupted,
 * may run on: it is an orphan, counted from before the stopper's compare-and-set (so the count never
 * dips below zero), and it keeps its concurrency slot until it really ends, when it also discards
 * its environment.
 *
 * <p>The progress fields are written by the invocation's thread only. A stopper reads them only
 * where a happens-before edge exists: the call joined its deadline's cohort after they were written,
 * and the move from STARTING to HANDLING publishes them; {@code init} is volatile because a shutdown
 * may stop a call in STARTING without either. What only a cold start needs is in its InitPhase, so
 * that a warm call, by far the common one, carries less.
 */
public final class Invocation extends Work implements Context, LoggedCall, RunningCall, Deadlines.Member {

    private static final int STARTING = 0;
    private static final int HANDLING = 1;
    private static final int FINISHED = 2;
    private static final int TIMED_OUT = 3;
    private static final int INIT_TIMED_OUT = 4;
    private static final int SHUT_DOWN = 5;
    private static final int MEMORY_STOPPED = 6;

    private static final String VERSION = "$LATEST";
    private static final VarHandle STATE = VarHandles.field(MethodHandles.lookup(), "state", int.class);

    static {
        // A stop comes when the heap may be all but gone, and a class whose initializer meets an
        // OutOfMemoryError can never be used again in that JVM: Stop is made ready with this class.
        try {
            MethodHandles.lookup().ensureInitialized(Stop.class);
        } catch (IllegalAccessException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Deployment deployment;
    /** The id's random bits, drawn by the caller; its text is made on first use (see requestId()). */
    private final long idHigh;

    private final long idLow;
    private String requestId;
    private final Object input;
    private final int attempt;
    /**
     * Where the outcome goes: the thread that waits in {@link #await()} (a Thread), or the future of
     * an asynchronous call; null for a try of an event, whose queue takes it.
     */
    private final Object caller;
    /** Whether the future takes the report (invokeForReportAsync) rather than the output. */
    private final boolean reportToFuture;
    /** The event this is a try of, or null for a synchronous call. */
    private final Event event;

    private volatile int state = STARTING;

    // Progress: written by the invocation's thread only.
    /** Where the start's wall-clock instant comes from (see WallClock). */
    private WallClock.Anchor startAnchor;

    private long startNanos;
    /** The INIT phase of a cold start, or null for a warm call. */
    private volatile InitPhase init;
    /** How it was stopped, once a timer, a shutdown or a memory limit has; null otherwise. */
    private volatile Stop stop;

    private long handlerStartNanos;
    /** The environment the call holds (its handler), or null before it has one. */
    private Handler<Object, Object> environment;

    private boolean provisioned;
    /** A deadline of the call's own, for a call delayed on its way to its cohort (see Deadlines); null otherwise. */
    private TimeSource.Cancellable timer;
    /** The cohort whose timer is the deadline of the phase the call is in (INIT, then the handler), and its slot. */
    private Deadlines.Cohort cohort;

    private int cohortSlot;
    /** What the call allocates, when it is metered; set when its thread is made. */
    private AllocationAccount allocation;

    // Outcome: written by its owner only, published to the caller by {@code delivered}.
    private Outcome outcome;
    private Object output;
    private Throwable error;
    private long durationNanos;
    /** Set only by a shutdown that stopped the call before its thread ran (and recorded its start). */
    private Instant reportedStart;

    private long billedDurationMs;
    private long allocatedBytes = -1;
    /**
     * Set once the outcome is delivered. Volatile, not a release store: the delivering thread stores
     * it and then unparks the caller, and the caller reads it after a park; when a permit is left
     * over from an earlier call, a virtual thread's unpark writes nothing, and only the volatile
     * store's fence keeps the caller from reading the flag stale and parking for good (found by
     * two virtual callers of metered calls, which hung within a second).
     */
    private volatile boolean delivered;

    /** A synchronous call: the calling thread waits for its outcome in {@link #await()}. */
    static Invocation sync(Deployment deployment, Object input) {
        return new Invocation(deployment, input, 1, null, false, null);
    }

    /**
     * An asynchronous call: its outcome completes {@code future}, with the output (or the failure),
     * or, when {@code withReport}, with the call's report whatever the outcome.
     */
    static Invocation async(Deployment deployment, Object input, CompletableFuture<Object> future, boolean withReport) {
        return new Invocation(deployment, input, 1, future, withReport, null);
    }

    /** One try of an EVENT invocation: its queue takes the outcome, and no caller waits. */
    static Invocation eventTry(Deployment deployment, Event event, int attempt) {
        return new Invocation(deployment, event.input, attempt, null, false, event);
    }

    private Invocation(
            Deployment deployment,
            Object input,
            int attempt,
            CompletableFuture<Object> future,
            boolean reportToFuture,
            Event event) {
        super(deployment.engine.work);
        this.deployment = deployment;
        this.event = event;
        this.idHigh = event != null ? event.idHigh : RequestIds.high();
        this.idLow = event != null ? event.idLow : RequestIds.low();
        this.input = input;
        this.attempt = attempt;
        this.reportToFuture = reportToFuture;
        this.caller = future != null ? future : event == null ? Thread.currentThread() : null;
    }

    /**
     * Makes the call's thread: a virtual thread of the runtime's factory; or, when the function is
     * metered, one whose scheduler meters each mount on the runtime's carriers, or in the fallback a
     * platform thread of its own.
     */
    @Override
    protected Thread newThread(ThreadFactory threads) {
        return switch (deployment.metering) {
            case NONE ->
                deployment.platformThreads
                        ? Thread.ofPlatform()
                                .name("faas-call-" + deployment.name)
                                .daemon()
                                .unstarted(this)
                        : threads.newThread(this);
            case VIRTUAL -> {
                boolean capped = deployment.allocationLimitBytes != Long.MAX_VALUE;
                AllocationAccount.Virtual account = new AllocationAccount.Virtual(
                        deployment.engine.carriers, capped ? this : null, deployment.allocationLimitBytes);
                allocation = account;
                yield AllocationMetering.virtualThreads(account)
                        .inheritInheritableThreadLocals(false)
                        .unstarted(this);
            }
            case PLATFORM -> {
                allocation = new AllocationAccount.Platform();
                yield Thread.ofPlatform()
                        .name("faas-call-" + deployment.name)
                        .daemon()
                        .unstarted(this);
            }
        };
    }

    /**
     * Refuses a synchronous call if the runtime closed while it was being registered. Tries of
     * accepted events still run while the runtime drains.
     */
    @Override
    protected void admitted() {
        if (event == null) {
            deployment.engine.checkOpen(deployment.name);
        }
    }

    // ---- the invocation's own thread ----

    @Override
    protected void execute() {
        // The start is read here, not by the caller (which a burst of asynchronous calls spares a
        // clock reading each): in run(), once the call has its environment.
        if (allocation instanceof AllocationAccount.Platform platform) {
            platform.begin();
        }
        if (deployment.allocationLimitBytes != Long.MAX_VALUE && allocation != null) {
            deployment.engine.watchdog().watch(this);
        }
        RequestIds.putMdc(this);
        try {
            deployment.engine.reportLog.start(this);
            run(deployment.engine);
        } catch (Throwable unexpected) {
            // Whatever went wrong, the caller must not be left waiting.
            if (startAnchor == null) {
                started(deployment.engine.clock.nanoTime());
            }
            finish(environment == null ? Outcome.INIT_ERROR : Outcome.ERROR, null, unexpected);
        } finally {
            if (allocation instanceof AllocationAccount.Platform platform) {
                platform.end();
            }
            if (allocation != null && deployment.allocationLimitBytes != Long.MAX_VALUE) {
                deployment.engine.watchdog().forget(this);
            }
            if (state != FINISHED) {
                endOrphan();
            }
            RequestIds.clearMdc();
        }
    }

    private void run(Engine engine) {
        if (state != STARTING) {
            return; // stopped before its thread ran (a shutdown): no INIT for a call given up on
        }
        EnvironmentPool pool = deployment.environments;
        Handler<Object, Object> warm = pool.acquireProvisioned((int) idLow);
        boolean warmProvisioned = warm != null;
        if (warm == null) {
            warm = pool.acquire((int) idLow);
        }
        // The call starts once it has its environment, or begins to make one: one clock reading for
        // the start and a warm call's handler, and none for the runtime's bookkeeping before it.
        long now = engine.clock.nanoTime();
        started(now);
        if (warm == null) {
            if (!coldStart(engine, now)) {
                return;
            }
        } else {
            handlerStartNanos = now;
            if (!STATE.compareAndSet(this, STARTING, HANDLING)) {
                pool.release(warm, warmProvisioned, handlerStartNanos, (int) idLow); // stopped before it ran: fine
                return;
            }
            environment = warm;
            provisioned = warmProvisioned;
        }
        deployment.deadlines.join(this, handlerStartNanos);
        Object result;
        inUserCode(true);
        try {
            result = environment.handle(input, this);
        } catch (Throwable failure) {
            inUserCode(false);
            finish(Outcome.ERROR, null, failure);
            return;
        }
        inUserCode(false);
        if (result != null && !deployment.outputType.isInstance(result)) {
            finish(
                    Outcome.ERROR,
                    null,
                    new PayloadTypeException(
                            deployment.name,
                            "the handler of function '"
                                    + deployment.name + "' returned a "
                                    + result.getClass().getName() + ", but the function's"
                                    + " output type is " + deployment.outputType.getName()));
        } else {
            finish(Outcome.SUCCESS, result, null);
        }
    }

    /**
     * The INIT phase: makes this call's environment under the init deadline. Returns false when the
     * call already has its outcome: the factory failed, or the deadline (or a shutdown) won.
     */
    private boolean coldStart(Engine engine, long now) {
        InitPhase phase = new InitPhase(now);
        init = phase;
        deployment.initDeadlines.join(this, now);
        Handler<Object, Object> handler = null;
        Throwable failure = null;
        inUserCode(true);
        try {
            handler = deployment.factory.create();
        } catch (Throwable t) {
            failure = t;
        } finally {
            inUserCode(false);
        }
        long end = engine.clock.nanoTime();
        phase.nanos = end - phase.startNanos;
        if (failure == null && handler == null) {
            failure = new NullPointerException("the handler factory returned null; it must return a Handler");
        }
        if (failure != null) {
            finish(Outcome.INIT_ERROR, null, failure);
            return false;
        }
        handlerStartNanos = end;
        // The progress written above is published to a stopper by this compare-and-set.
        if (!STATE.compareAndSet(this, STARTING, HANDLING)) {
            deployment.environments.closeQuietly(handler);
            return false;
        }
        leaveDeadline(); // the INIT phase's; the handler's is joined next
        deployment.environments.adopt();
        environment = handler;
        return true;
    }

    private void started(long nanos) {
        startNanos = nanos;
        startAnchor = deployment.engine.wallClock.anchorFor(nanos);
    }

    /** The invocation's thread reached an outcome: unless a stopper won, it owns the outcome. */
    private void finish(Outcome outcome, Object output, Throwable error) {
        long end = deployment.engine.clock.nanoTime();
        int from = state; // only this thread leaves STARTING or HANDLING other than to a stopped state
        if ((from != STARTING && from != HANDLING) || !STATE.compareAndSet(this, from, FINISHED)) {
            return;
        }
        leaveDeadline();
        this.outcome = outcome;
        this.output = output;
        this.error = error;
        try {
            if (environment != null) {
                if (error instanceof Error) {
                    deployment.environments.discard(environment, provisioned);
                } else {
                    deployment.environments.release(environment, provisioned, end, (int) idLow);
                }
            }
        } finally {
            InitPhase phase = init;
            if (phase != null) {
                phase.reported = phase.nanos;
            }
            if (outcome == Outcome.INIT_ERROR) {
                settle(phase == null ? 0 : phase.nanos);
            } else {
                durationNanos = end - handlerStartNanos;
                settle(durationNanos + billedInit());
            }
        }
    }

    /** The end of a thread that lost its invocation to a timer or a shutdown. */
    private void endOrphan() {
        Stop details;
        while ((details = stop) == null) { // the stopper that won the state stores it next
            Thread.onSpinWait();
        }
        // In case the stopper could not deliver it (no thread, no memory): try until it is delivered,
        // waiting out an attempt in progress, for a while.
        for (int attempt = 0; attempt < 1_000 && !details.isDelivered(); attempt++) {
            deliverStop(details);
            if (!details.isDelivered()) {
                LockSupport.parkNanos(1_000_000);
            }
        }
        leaveDeadline();
        try {
            if (environment != null) {
                deployment.environments.discard(environment, provisioned);
            }
        } finally {
            deployment.releaseSlot();
            deployment.orphanEnded();
        }
    }

    // ---- timers and shutdown ----

    @Override
    public void joined(Deadlines.Cohort cohort, int slot) {
        this.cohort = cohort;
        this.cohortSlot = slot;
    }

    @Override
    public void ownDeadline(TimeSource.Cancellable own) {
        timer = own;
    }

    /** The call's thread is done with it: out of its deadline's cohort, and its own timers cancelled. */
    private void leaveDeadline() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
        if (cohort != null) {
            cohort.leave(cohortSlot);
            cohort = null;
        }
    }

    @Override
    public void initDeadline() {
        stop(STARTING, INIT_TIMED_OUT, null, -1, -1);
    }

    @Override
    public void handlerDeadline() {
        stop(HANDLING, TIMED_OUT, null, -1, -1);
    }

    /** Gives up on the call if it is still running: the runtime is closing and the drain timed out. */
    public void shutDown() {
        stopRunning(SHUT_DOWN, null, -1, -1);
    }

    @Override
    public void checkAllocationLimit() {
        if (state > HANDLING) {
            return; // already given up on: its thread is ending
        }
        long live = allocation.liveBytes();
        if (live > deployment.allocationLimitBytes) {
            stopRunning(
                    MEMORY_STOPPED,
                    "function '" + deployment.name + "' allocated " + (live >> 20) + " MB, past"
                            + " its allocationLimitMb of " + (deployment.allocationLimitBytes >> 20) + " MB (request "
                            + requestId() + "): raise allocationLimitMb, or allocate less",
                    live,
                    -1);
        }
    }

    /** Counts the stop on the function's meters once it wins. */
    @Override
    public boolean stopForMemory(int heapPercent) {
        if (!stopRunning(MEMORY_STOPPED, null, -1, heapPercent)) {
            return false;
        }
        if (deployment.metrics != null) {
            deployment.metrics.memoryPressure();
        }
        return true;
    }

    private boolean stopRunning(int stopped, String memoryReason, long allocated, int heapPercent) {
        while (true) {
            int from = state;
            if (from != STARTING && from != HANDLING) {
                return false;
            }
            if (stop(from, stopped, memoryReason, allocated, heapPercent)) {
                return true;
            }
        }
    }

    @Override
    public long liveAllocatedBytes() {
        return allocation == null ? -1 : allocation.liveBytes();
    }

    @Override
    public boolean isRunning() {
        return state <= HANDLING;
    }

    @Override
    public boolean isHandling() {
        return state == HANDLING;
    }

    /**
     * Moves {@code expected} to {@code stopped}; if that wins, interrupts the thread and releases the
     * caller, off the stopper's thread when one can be had. The caller is never left waiting: a
     * delivery that fails (no thread, no memory) is made again by the call's own thread as it ends.
     */
    private boolean stop(int expected, int stopped, String memoryReason, long allocated, int heapPercent) {
        Stop details = new Stop(expected, stopped, memoryReason, allocated, heapPercent);
        deployment.orphanStarted();
        if (!STATE.compareAndSet(this, expected, stopped)) {
            deployment.orphanEnded();
            return false;
        }
        stop = details;
        Thread thread = thread();
        if (thread != null) {
            thread.interrupt();
        }
        // The caller's future may run user callbacks, and recording may wait for the journal:
        // deliver off the timer's thread, unless no thread can be had.
        try {
            deployment.engine.work.runTask("delivering the stop of " + describe(), details);
        } catch (Throwable noThread) {
            deliverStop(details);
        }
        return true;
    }

    /** Delivers a stopped call once: whoever claims it; a failed attempt gives the claim back. */
    private void deliverStop(Stop details) {
        if (!details.claim()) {
            return;
        }
        try {
            deliverStopped(details);
            details.delivered();
        } catch (Throwable failure) {
            details.unclaim();
            Failures.survived("delivering a stopped call", failure);
        }
    }

    /**
     * Settles a stopped call as its outcome's owner. A call stopped in STARTING reports its INIT
     * phase as far as it got (the init timeout, for an init timeout); one stopped in HANDLING
     * reports the INIT phase it finished.
     */
    private void deliverStopped(Stop details) {
        int from = details.from;
        int stopped = details.to;
        RequestIds.putMdc(this);
        try {
            InitPhase phase = init;
            long now = deployment.engine.clock.nanoTime();
            switch (stopped) {
                case TIMED_OUT -> {
                    outcome = Outcome.TIMEOUT;
                    durationNanos = deployment.timeoutNanos;
                }
                case INIT_TIMED_OUT -> outcome = Outcome.INIT_ERROR;
                case MEMORY_STOPPED -> {
                    outcome = Outcome.MEMORY_LIMIT;
                    error = new MemoryLimitExceededException(deployment.name, requestId(), memoryReason(details));
                    allocatedBytes = details.allocated;
                }
                default -> {
                    outcome = Outcome.ERROR;
                    error = new RuntimeClosedException(deployment.name);
                }
            }
            if (from == STARTING && stopped != INIT_TIMED_OUT) {
                reportedStart = deployment.engine.clock.now(); // its thread may not have run, nor read the clock
            }
            if (from == HANDLING && stopped != TIMED_OUT) {
                durationNanos = now - handlerStartNanos;
            }
            if (phase != null) {
                phase.reported = stopped == INIT_TIMED_OUT
                        ? deployment.config.initTimeout().toNanos()
                        : from == STARTING ? now - phase.startNanos : phase.nanos;
            }
            settle(outcome == Outcome.INIT_ERROR ? (phase == null ? 0 : phase.reported) : durationNanos + billedInit());
        } finally {
            RequestIds.clearMdc();
        }
        // Unlike a finished call, a stopped one keeps its slot until its thread ends (endOrphan).
    }

    private String memoryReason(Stop details) {
        if (details.heapPercent < 0) {
            return details.memoryReason;
        }
        long allocated = liveAllocatedBytes();
        String what = allocated < 0
                ? "its memoryMb is " + deployment.config.memoryMb() + " MB (not metered)"
                : "it allocated " + (allocated >> 20) + " MB against a memoryMb of " + deployment.config.memoryMb()
                        + " MB";
        return "stopped by the heap-pressure guard: the heap was " + details.heapPercent + "% full and " + what
                + "; give the JVM more heap, or lower what the function holds";
    }

    /**
     * Bills and records the outcome, releases the slot of a finished call, then hands the outcome
     * over: the delivery happens whatever recording does.
     */
    private void settle(long billableNanos) {
        try {
            Stop details = stop;
            if (details == null || !details.recorded) { // a stop delivered again is recorded once, at most
                if (details != null) {
                    details.recorded = true;
                }
                billedDurationMs = deployment.engine.pricing.billedDurationMs(billableNanos);
                if (allocatedBytes < 0) { // else what a memory stop found
                    allocatedBytes = liveAllocatedBytes();
                }
                deployment.engine.record(this);
            }
        } finally {
            try {
                if (state == FINISHED) {
                    deployment.releaseSlot();
                }
            } finally {
                deliver();
            }
        }
    }

    private long billedInit() {
        InitPhase phase = init;
        return phase != null && deployment.engine.pricing.billInit() ? phase.reported : 0;
    }

    private void deliver() {
        delivered = true;
        if (event != null) {
            // An event is never left running: an outcome that cannot be taken now (an OutOfMemoryError)
            // is handed over again until the memory comes back.
            for (int attempt = 1; ; attempt++) {
                try {
                    deployment.events.onOutcome(event, this);
                    return;
                } catch (Throwable failure) {
                    if (attempt == 1_000) {
                        Failures.survived("handing over a try of event " + describe(), failure);
                        return;
                    }
                    LockSupport.parkNanos(10_000_000);
                }
            }
        }
        if (caller instanceof Thread waiter) {
            LockSupport.unpark(waiter);
            return;
        }
        if (state != FINISHED) {
            // A stopped call is delivered from the runtime's bookkeeping threads, which user callbacks
            // must not hold up; and while handlers hold every carrier a virtual thread would not run
            // them (a caller blocked in get() is a dependent too): a platform thread of their own.
            try {
                deployment.engine.work.runCallbacks("completing " + describe(), this::completeFuture);
                return;
            } catch (Throwable noThread) {
                // no thread to be had: complete it here
            }
        }
        completeFuture();
    }

    private void completeFuture() {
        CompletableFuture<Object> future = future();
        boolean wasInUserCode = inUserCode();
        inUserCode(true); // the future's callbacks are the caller's code
        // A handler may leave its interrupt flag set; the callbacks must not inherit it (an
        // interruptible channel would close under their first write).
        boolean interrupted = Thread.interrupted();
        try {
            if (reportToFuture) {
                future.complete(report());
            } else if (outcome == Outcome.SUCCESS) {
                future.complete(output);
            } else {
                future.completeExceptionally(failure());
            }
        } catch (RuntimeException | Error unexpected) {
            future.completeExceptionally(unexpected); // whatever went wrong, the caller is not left waiting
        } finally {
            inUserCode(wasInUserCode);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- the caller ----

    /** Waits, uninterruptibly, until the outcome is delivered (the deadline bounds the wait). */
    void awaitDelivery() {
        CallerWait.await(this);
    }

    boolean isDelivered() {
        return delivered;
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
    @Override
    public FaasException failure() {
        String name = deployment.name;
        return switch (outcome) {
            case SUCCESS -> throw new IllegalStateException(describe() + " succeeded");
            case TIMEOUT -> new FunctionTimeoutException(name, requestId(), deployment.config.timeout());
            case INIT_ERROR ->
                error == null
                        ? new FunctionInitException(
                                name,
                                requestId(),
                                "function '" + name + "': the INIT phase passed its"
                                        + " initTimeout of "
                                        + deployment.config.initTimeout().toMillis() + " ms; raise initTimeout,"
                                        + " or make the handler factory faster",
                                null)
                        : new FunctionInitException(
                                name,
                                requestId(),
                                "function '" + name + "': the handler factory failed: " + Failures.describe(error),
                                error);
            case MEMORY_LIMIT -> (MemoryLimitExceededException) error;
            case ERROR ->
                error instanceof RuntimeClosedException closed
                        ? closed
                        : new FunctionFailedException(name, requestId(), error);
        };
    }

    InvocationReport report() {
        return new InvocationReport(
                requestId(),
                deployment.name,
                VERSION,
                type(),
                outcome,
                start(),
                Duration.ofNanos(durationNanos),
                billedDurationMs,
                deployment.config.memoryMb(),
                allocatedBytes(),
                coldStart() ? Optional.of(Duration.ofNanos(initNanos())) : Optional.empty(),
                coldStart(),
                attempt,
                Optional.ofNullable(output),
                outcome == Outcome.SUCCESS ? Optional.empty() : Optional.of(failure()));
    }

    Object output() {
        return output;
    }

    /** What the handler or factory threw, or the runtime's exception for a memory stop or a shutdown; null otherwise. */
    @Override
    public Throwable error() {
        return error;
    }

    /** The message of what went wrong: the handler's own, or the runtime's; null on success. */
    String errorMessage() {
        if (outcome == Outcome.SUCCESS) {
            return null;
        }
        if (outcome == Outcome.ERROR && error != null) {
            return String.valueOf(Failures.message(error));
        }
        return failure().getMessage();
    }

    /** The class name of what went wrong: the handler's own throwable, or the runtime's exception; null on success. */
    @Override
    public String errorType() {
        return switch (outcome) {
            case SUCCESS -> null;
            case TIMEOUT -> FunctionTimeoutException.class.getName();
            case INIT_ERROR ->
                error == null
                        ? FunctionInitException.class.getName()
                        : error.getClass().getName();
            case ERROR, MEMORY_LIMIT -> error.getClass().getName();
        };
    }

    // ---- facts for the ledger (CallRecord) and the REPORT line, valid once the outcome is settled ----

    Deployment deployment() {
        return deployment;
    }

    /** When the invocation started; valid once its outcome is settled. */
    Instant start() {
        return reportedStart != null ? reportedStart : startAnchor.instantAt(startNanos);
    }

    @Override
    public long idHigh() {
        return idHigh;
    }

    @Override
    public long idLow() {
        return idLow;
    }

    @Override
    public String function() {
        return deployment.name;
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public InvocationType type() {
        return event == null ? InvocationType.REQUEST_RESPONSE : InvocationType.EVENT;
    }

    @Override
    public Outcome outcome() {
        return outcome;
    }

    @Override
    public long startSecond() {
        return reportedStart != null ? reportedStart.getEpochSecond() : startAnchor.epochSecondAt(startNanos);
    }

    @Override
    @SuppressWarnings("JavaInstantGetSecondsGetNano") // the nanosecond within startEpochSecond(), by design
    public int startNano() {
        return reportedStart != null ? reportedStart.getNano() : startAnchor.nanoAt(startNanos);
    }

    @Override
    public long durationNanos() {
        return durationNanos;
    }

    @Override
    public long billedDurationMs() {
        return billedDurationMs;
    }

    @Override
    public boolean coldStart() {
        return init != null;
    }

    /** The INIT phase's duration, or -1 when the call was warm. */
    @Override
    public long initNanos() {
        InitPhase phase = init;
        return phase == null ? -1 : phase.reported;
    }

    @Override
    public int memoryMb() {
        return deployment.config.memoryMb();
    }

    /** What the call allocated up to its outcome; -1 where not metered. */
    @Override
    public long allocatedBytes() {
        return allocatedBytes;
    }

    // ---- Work ----

    @Override
    protected boolean blocksDrain() {
        return !isDelivered();
    }

    @Override
    public String describe() {
        return "request " + requestId() + " of '" + deployment.name + "'";
    }

    // ---- Context ----

    /** Formats the id the first time it is asked for; a race only makes two equal strings. */
    @Override
    public String requestId() {
        String id = requestId;
        if (id == null) {
            id = RequestIds.format(idHigh, idLow);
            requestId = id;
        }
        return id;
    }

    @Override
    public String functionName() {
        return deployment.name;
    }

    @Override
    public long timeoutNanos() {
        return deployment.timeoutNanos;
    }

    @Override
    public String functionVersion() {
        return VERSION;
    }

    @Override
    public int memoryLimitMb() {
        return deployment.config.memoryMb();
    }

    @Override
    public Instant deadline() {
        return startAnchor.instantAt(handlerStartNanos + deployment.timeoutNanos);
    }

    @Override
    public Duration remainingTime() {
        return Duration.ofNanos(
                Math.max(0, handlerStartNanos + deployment.timeoutNanos - deployment.engine.clock.nanoTime()));
    }

    @Override
    public Map<String, String> environment() {
        return deployment.config.environment();
    }

    @Override
    public InvocationType invocationType() {
        return type();
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public Logger logger() {
        return deployment.logger;
    }

    @Override
    public boolean isCancelled() {
        int current = state;
        return current == TIMED_OUT || current == INIT_TIMED_OUT || current == SHUT_DOWN || current == MEMORY_STOPPED;
    }

    @Override
    public String toString() {
        return "Invocation[" + describe() + "]";
    }

    @SuppressWarnings("unchecked") // an asynchronous call's caller is the future it was given
    private CompletableFuture<Object> future() {
        return (CompletableFuture<Object>) caller;
    }

    /**
     * How a call was stopped, made only when it is: where it was, why, and who delivers it. The
     * delivery is claimed by compare-and-set, so that the stopper's task and, when that fails, the
     * call's own thread as it ends, deliver it exactly once between them.
     */
    private final class Stop implements Runnable {
        private static final VarHandle DELIVERY = VarHandles.field(MethodHandles.lookup(), "delivery", int.class);
        private static final int OPEN = 0;
        private static final int CLAIMED = 1;
        private static final int DONE = 2;

        final int from;
        final int to;
        final String memoryReason;
        final long allocated;
        final int heapPercent;

        @SuppressWarnings("unused") // through DELIVERY
        private volatile int delivery;
        /** Whether its ledger record was written (by the attempt that claimed it). */
        boolean recorded;

        Stop(int from, int to, String memoryReason, long allocated, int heapPercent) {
            this.from = from;
            this.to = to;
            this.memoryReason = memoryReason;
            this.allocated = allocated;
            this.heapPercent = heapPercent;
        }

        /** Delivers it, as the stopper's task (a class, not a lambda: nothing to link during an OutOfMemoryError). */
        @Override
        public void run() {
            deliverStop(this);
        }

        boolean claim() {
            return DELIVERY.compareAndSet(this, OPEN, CLAIMED);
        }

        void unclaim() {
            DELIVERY.setVolatile(this, OPEN);
        }

        void delivered() {
            DELIVERY.setVolatile(this, DONE);
        }

        boolean isDelivered() {
            return (int) DELIVERY.getVolatile(this) == DONE;
        }
    }

    /**
     * The INIT phase of a cold start: made by the invocation's thread as it begins, so that a warm
     * call carries none of it. {@code nanos} is written by that thread when the factory returns;
     * {@code reported}, the INIT duration the outcome reports and bills, by the outcome's owner.
     */
    private static final class InitPhase {
        final long startNanos;
        long nanos;
        long reported;

        InitPhase(long startNanos) {
            this.startNanos = startNanos;
        }
    }
}
