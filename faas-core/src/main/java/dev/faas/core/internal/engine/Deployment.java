package dev.faas.core.internal.engine;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionNotFoundException;
import dev.faas.api.FunctionSpec;
import dev.faas.api.HandlerFactory;
import dev.faas.api.InvocationReport;
import dev.faas.api.PayloadTypeException;
import dev.faas.api.ThreadKind;
import dev.faas.api.ThrottledException;
import dev.faas.core.internal.async.Event;
import dev.faas.core.internal.environment.EnvironmentPool;
import dev.faas.core.internal.ledger.FunctionUsage;
import dev.faas.core.internal.memory.AllocationMetering;
import dev.faas.core.internal.memory.HeapGuard;
import dev.faas.core.internal.observe.FunctionMetrics;
import dev.faas.core.internal.observe.MeteredFunction;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One deployed function: its spec, its admission and its environments, and the entry points of
 * every invocation type. A call takes one slot (two for a function in the shared pool) with a
 * compare-and-set each, and takes no lock.
 */
public final class Deployment implements MeteredFunction, EnvironmentPool.Owner {

    private static final long RETRY_FLOOR_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long HEAP_RETRY_FLOOR_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long RETRY_CEILING_NANOS = TimeUnit.SECONDS.toNanos(1);

    final Engine engine;
    public final FunctionSpec<?, ?> spec;
    public final String name;
    public final FunctionConfig config;
    public final Class<?> inputType;
    final Class<?> outputType;
    final HandlerFactory<Object, Object> factory;
    final long timeoutNanos;
    /** Whether this function's calls are metered, and how: see {@link AllocationMetering}. */
    final AllocationMetering.Mode metering;
    /** Whether each call runs on a platform thread of its own ({@link ThreadKind#PLATFORM}). */
    final boolean platformThreads;
    /** Its allocation limit in bytes, or Long.MAX_VALUE. */
    final long allocationLimitBytes;

    final Logger logger;
    public final EnvironmentPool environments;
    public final Deadlines deadlines;
    final Deadlines initDeadlines;
    public final EventQueue events;
    /** This function's executions against its reservation, or null in the shared pool. */
    private final Limiter reserved;
    /** The shared pool, or null when the function has reserved concurrency. */
    private final Limiter shared;
    /** This function's executions in the shared pool: counted only, the pool does the limiting. */
    private final LongAdder sharedExecutions = new LongAdder();

    private final AtomicBoolean reservationReturned = new AtomicBoolean();
    private final AtomicInteger orphans = new AtomicInteger();
    /** This function's usage in the ledger. */
    final FunctionUsage usage;
    /** Its meters, or null when the runtime has no meter registry. */
    final FunctionMetrics metrics;

    private final Runnable returnReservation;
    private volatile boolean undeployed;
    /**
     * A smoothed duration of its calls, in nanoseconds, or 0 before any has ended (see sampleDuration):
     * in an object of its own, so that its writes do not share a cache line with the fields every call
     * reads.
     */
    private final AtomicLong typicalNanos = new AtomicLong();

    @SuppressWarnings("unchecked")
    public Deployment(Engine engine, FunctionSpec<?, ?> spec, Runnable returnReservation) {
        this.engine = engine;
        this.spec = spec;
        this.name = spec.name();
        this.config = spec.config();
        this.inputType = spec.inputType();
        this.outputType = spec.outputType();
        this.factory = (HandlerFactory<Object, Object>) spec.handlerFactory();
        this.timeoutNanos = config.timeout().toNanos();
        this.allocationLimitBytes = config.allocationLimitMb().isPresent()
                ? (long) config.allocationLimitMb().getAsInt() << 20
                : Long.MAX_VALUE;
        boolean capped = config.allocationLimitMb().isPresent();
        boolean platform = config.threadKind() == ThreadKind.PLATFORM;
        this.metering = switch (AllocationMetering.MODE) {
            // A platform thread per call is metered as the fallback meters: by its own counter.
            case VIRTUAL ->
                !(capped || engine.meterAll)
                        ? AllocationMetering.Mode.NONE
                        : platform ? AllocationMetering.Mode.PLATFORM : AllocationMetering.Mode.VIRTUAL;
            case PLATFORM ->
                capped || (platform && engine.meterAll)
                        ? AllocationMetering.Mode.PLATFORM
                        : AllocationMetering.Mode.NONE;
            case NONE -> AllocationMetering.Mode.NONE;
        };
        this.platformThreads = platform;
        this.logger = LoggerFactory.getLogger("dev.faas.function." + name);
        this.environments = new EnvironmentPool(name, factory, config, engine.clock, engine.work, this);
        this.deadlines = Deadlines.handlers(engine.clock, config.timeout());
        this.initDeadlines = Deadlines.initPhases(engine.clock, config.initTimeout());
        this.reserved = config.reservedConcurrency().isPresent()
                ? new Limiter(config.reservedConcurrency().getAsInt())
                : null;
        this.shared = reserved == null ? engine.sharedPool : null;
        this.returnReservation = returnReservation;
        this.usage = engine.ledger.usageOf(name);
        this.events = new EventQueue(this);
        this.metrics = engine.meterRegistry == null ? null : new FunctionMetrics(this, engine.pricing);
        if (metrics != null) {
            try {
                metrics.bindTo(engine.meterRegistry);
            } catch (RuntimeException | Error failure) {
                metrics.remove(engine.meterRegistry); // those registered before the failure
                throw failure;
            }
        }
    }

    // ---- entry points ----

    public Object invoke(Object input) {
        return start(input, null, false).await();
    }

    public CompletableFuture<Object> invokeAsync(Object input) {
        CompletableFuture<Object> future = new CallFuture<>();
        try {
            start(input, future, false);
        } catch (RuntimeException refused) {
            future.completeExceptionally(refused);
        }
        return future;
    }

    InvocationReport invokeForReport(Object input) {
        Invocation invocation = start(input, null, false);
        invocation.awaitDelivery();
        return invocation.report();
    }

    @SuppressWarnings("unchecked")
    CompletableFuture<InvocationReport> invokeForReportAsync(Object input) {
        CompletableFuture<InvocationReport> future = new CallFuture<>();
        try {
            // The invocation completes it with its report (reportToFuture), never with an output.
            start(input, (CompletableFuture<Object>) (CompletableFuture<?>) future, true);
        } catch (RuntimeException refused) {
            future.completeExceptionally(refused);
        }
        return future;
    }

    /** Accepts an EVENT invocation: checked here, queued, and started at once if a slot is free. */
    public String invokeEvent(Object input) {
        engine.checkOpen(name);
        checkDeployed();
        checkInput(input);
        return events.accept(input, false);
    }

    /** Accepts an EVENT invocation once per idempotency key within the runtime's idempotency window. */
    public String invokeEvent(Object input, String idempotencyKey) {
        return engine.idempotency.once(name, idempotencyKey, () -> invokeEvent(input));
    }

    /** Starts one try of an event, on a slot the event queue was granted. */
    void startEvent(Event event, int attempt) {
        engine.work.start(Invocation.eventTry(this, event, attempt));
    }

    void dryRun(Object input) {
        engine.checkOpen(name);
        checkDeployed();
        checkInput(input);
        if (reserved != null && reserved.limit() == 0) {
            throw throttled(ThrottledException.Reason.RESERVED_CONCURRENCY, 0);
        }
    }

    private Invocation start(Object input, CompletableFuture<Object> future, boolean reportToFuture) {
        engine.checkOpen(name);
        checkDeployed();
        checkInput(input);
        admit();
        if (undeployed) { // undeployed while we were admitted: give the slot back
            releaseSlot();
            throw new FunctionNotFoundException(name);
        }
        Invocation invocation;
        try {
            invocation = future == null
                    ? Invocation.sync(this, input)
                    : Invocation.async(this, input, future, reportToFuture);
            engine.work.start(invocation);
        } catch (RuntimeException | Error failure) {
            releaseSlot();
            throw failure;
        }
        return invocation;
    }

    // ---- admission ----

    /** Takes a slot (and its memory) for a call, or throws what refused it. */
    private void admit() {
        int heapPercent = heapRefusingAt();
        if (heapPercent >= 0) {
            throw throttled(ThrottledException.Reason.HEAP_PRESSURE, heapPercent);
        }
        ThrottledException.Reason refused = takeSlot();
        if (refused != null) {
            throw throttled(
                    refused,
                    switch (refused) {
                        case RESERVED_CONCURRENCY -> reserved.limit();
                        case CONCURRENCY -> shared.limit();
                        default -> engine.memory.limit();
                    });
        }
    }

    /** Takes a slot (and its memory) for an event without throwing: false when the function must wait. */
    boolean tryAdmit() {
        return heapRefusingAt() < 0 && takeSlot() == null;
    }

    private int heapRefusingAt() {
        HeapGuard guard = engine.heapGuard;
        return guard == null ? -1 : guard.refusesAt(engine.sharedPool.inUse());
    }

    /**
     * The one decision behind {@link #admit} and {@link #tryAdmit}: takes a concurrency slot, then
     * the function's memory, giving the slot back if the memory is not there.
     *
     * @return null when both are taken, else the limit that refused
     */
    private ThrottledException.Reason takeSlot() {
        if (reserved != null) {
            if (!reserved.tryAcquire()) {
                return ThrottledException.Reason.RESERVED_CONCURRENCY;
            }
        } else {
            if (!shared.tryAcquire()) {
                return ThrottledException.Reason.CONCURRENCY;
            }
            sharedExecutions.increment();
        }
        Limiter memory = engine.memory;
        if (memory != null && !memory.tryAcquire(config.memoryMb())) {
            releaseExecutionOnly();
            return ThrottledException.Reason.MEMORY;
        }
        return null;
    }

    /** Whether any call could ever be admitted: false for a reservation of 0 (a disabled function). */
    boolean canRun() {
        return reserved == null || reserved.limit() > 0;
    }

    ThrottledException throttled(ThrottledException.Reason reason, int limit) {
        if (metrics != null) {
            metrics.throttled(reason);
        }
        return new ThrottledException(name, reason, limit, retryAfter(reason, limit));
    }

    /**
     * When a refused caller might try again: about one of this function's calls from now (a slot, or
     * memory, is freed as a call ends), jittered by half either way so that refused callers do not
     * come back together; at least 10 ms (100 ms under heap pressure, a collection or two) and at most
     * a second. None for a disabled function: trying again cannot help.
     */
    private Duration retryAfter(ThrottledException.Reason reason, int limit) {
        if (reason == ThrottledException.Reason.RESERVED_CONCURRENCY && limit == 0) {
            return Duration.ZERO;
        }
        long floor = reason == ThrottledException.Reason.HEAP_PRESSURE ? HEAP_RETRY_FLOOR_NANOS : RETRY_FLOOR_NANOS;
        long typical = Math.min(Math.max(typicalNanos.get(), floor), RETRY_CEILING_NANOS);
        long jittered = typical / 2 + ThreadLocalRandom.current().nextLong(typical + 1);
        return Duration.ofMillis(Math.max(1, TimeUnit.NANOSECONDS.toMillis(jittered)));
    }

    /**
     * Keeps a smoothed duration of this function's calls for {@link #retryAfter}: from about one
     * call in 32 (by request id), so that calls do not all write one shared field.
     */
    void sampleDuration(long requestBits, long nanos) {
        long typical = typicalNanos.get();
        if ((requestBits & 31) == 0 || typical == 0) {
            typicalNanos.lazySet(typical == 0 ? Math.max(1, nanos) : typical + (nanos - typical) / 8);
        }
    }

    /**
     * Releases one slot and its memory, then lets waiting events have them: this function's, then any
     * function's waiting for the shared pool or memory. The last slot out after an undeploy returns
     * the reservation.
     */
    void releaseSlot() {
        releaseSlotOnly();
        if (events.hasReady()) {
            events.pump();
        }
        engine.capacityReleased();
    }

    /** Releases one slot and its memory without starting anything (an event queue giving one back). */
    void releaseSlotOnly() {
        Limiter memory = engine.memory;
        if (memory != null) {
            memory.release(config.memoryMb());
        }
        releaseExecutionOnly();
    }

    private void releaseExecutionOnly() {
        if (reserved == null) {
            sharedExecutions.decrement();
            shared.release();
        } else if (reserved.release() == 0 && undeployed) {
            returnReservationOnce();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int queuedEvents() {
        return events.size();
    }

    @Override
    public int concurrentExecutions() {
        return reserved != null ? reserved.inUse() : (int) sharedExecutions.sum();
    }

    @Override
    public int orphanedThreads() {
        return orphans.get();
    }

    @Override
    public void orphanStarted() {
        orphans.incrementAndGet();
        engine.orphans.incrementAndGet();
    }

    @Override
    public void orphanEnded() {
        orphans.decrementAndGet();
        engine.orphans.decrementAndGet();
    }

    // ---- lifecycle ----

    /** Stops new calls and closes idle environments; calls in flight finish, then the reservation returns. */
    public void undeploy() {
        undeployed = true;
        events.undeploy();
        environments.close();
        deadlines.close();
        initDeadlines.close();
        if (metrics != null) {
            metrics.remove(engine.meterRegistry);
        }
        if (reserved == null || reserved.inUse() == 0) {
            returnReservationOnce();
        }
    }

    boolean isUndeployed() {
        return undeployed;
    }

    private void returnReservationOnce() {
        if (reservationReturned.compareAndSet(false, true)) {
            returnReservation.run();
        }
    }

    private void checkDeployed() {
        if (undeployed) {
            throw new FunctionNotFoundException(name);
        }
    }

    void checkInput(Object input) {
        if (input == null ? inputType != Void.class : !inputType.isInstance(input)) {
            throw new PayloadTypeException(
                    name,
                    "function '" + name + "' takes " + inputType.getName()
                            + ", but was given "
                            + (input == null
                                    ? "null (only a function whose input type is Void takes null)"
                                    : input.getClass().getName()));
        }
    }
}
