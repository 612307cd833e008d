package dev.faas.core;

import dev.faas.api.DestinationEvent;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionNotFoundException;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.InvocationListener;
import dev.faas.api.Invoker;
import dev.faas.api.ledger.Durability;
import dev.faas.api.ledger.Ledger;
import dev.faas.api.ledger.LedgerSink;
import dev.faas.api.ledger.Pricing;
import dev.faas.api.ManualClock;
import dev.faas.api.RuntimeClosedException;
import dev.faas.api.TimeSource;
import dev.faas.api.Trigger;
import dev.faas.core.internal.async.IdempotencyKeys;
import dev.faas.core.internal.engine.Deployment;
import dev.faas.core.internal.engine.Engine;
import dev.faas.core.internal.engine.Invocation;
import dev.faas.core.internal.engine.TypedRef;
import dev.faas.core.internal.environment.EnvironmentPool;
import dev.faas.core.internal.ledger.LedgerJournal;
import dev.faas.core.internal.ledger.RuntimeLedger;
import dev.faas.core.internal.ledger.SinkForwarder;
import dev.faas.core.internal.observe.CarrierProbe;
import dev.faas.core.internal.observe.CarrierStarvation;
import dev.faas.core.internal.observe.ReportLog;
import dev.faas.core.internal.util.Arguments;
import dev.faas.core.internal.util.Failures;
import dev.faas.core.internal.work.Work;
import dev.faas.core.internal.work.WorkTracker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process function-as-a-service runtime: deploy functions, then call them; each call runs on
 * a virtual thread of its own, under its function's timeout and concurrency limits, in a warm
 * execution environment when one is free and after a cold start when none is.
 *
 * <pre>{@code
 * try (FaasRuntime runtime = FaasRuntime.builder().concurrencyLimit(200).build()) {
 *     FunctionRef<String, String> greet = runtime.deploy(
 *             FunctionSpec.of("greet", String.class, String.class, () -> (name, context) -> "Hello, " + name));
 *     greet.invoke("world"); // "Hello, world"
 * }
 * }</pre>
 *
 * <p>Thread-safe. Calls never wait on a global lock: admission is a compare-and-set on a counter,
 * environments come from striped stacks, and calls that start in the same millisecond share one
 * deadline timer. Deploying and undeploying take a lock of their own. {@link #close()} stops new
 * calls, drains those in flight and closes every environment.
 */
public final class FaasRuntime implements Invoker, AutoCloseable {

    /** The default global concurrency limit: 1,000, as Lambda's default account limit. */
    public static final int DEFAULT_CONCURRENCY_LIMIT = 1000;
    /** The default high-water mark of the heap-pressure guard: 90% of the maximum heap after GC. */
    public static final double DEFAULT_HEAP_HIGH_WATER = 0.90;
    /** The default critical mark of the heap-pressure guard: 95% of the maximum heap after GC. */
    public static final double DEFAULT_HEAP_CRITICAL = 0.95;
    /** The default {@link Builder#ledgerRetention(int)}: 100,000 records. */
    public static final int DEFAULT_LEDGER_RETENTION = 100_000;
    /** The most records {@link Builder#ledgerRetention(int)} keeps: 10,000,000 (about a gigabyte). */
    public static final int MAX_LEDGER_RETENTION = 10_000_000;
    /** The default {@link Builder#idempotencyTtl(Duration)}: 1 hour. */
    public static final Duration DEFAULT_IDEMPOTENCY_TTL = Duration.ofHours(1);
    /** The default {@link Builder#drainTimeout(Duration)}: 30 seconds. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(FaasRuntime.class);
    /** The longest duration an option takes: far past any use, well inside what nanoseconds hold. */
    private static final Duration MAX_DURATION = Duration.ofDays(365);

    private final Engine engine;
    private final Duration drainTimeout;
    private final Map<String, Deployment> functions = new ConcurrentHashMap<>();
    /**
     * Undeployed functions whose calls may still be running: their slots still count. One leaves
     * when its reservation returns, or when status() finds it idle.
     */
    private final Set<Deployment> draining = ConcurrentHashMap.newKeySet();
    private final TimeSource.Cancellable clockMembership;
    /** Stops this runtime's hearing of carrier starvation. */
    private final Runnable starvationWatch;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    private final ReentrantLock lock = new ReentrantLock(); // deploys, undeploys, triggers, the start of close
    private final Set<String> deploying = new HashSet<>();  // guarded by lock
    private final List<Trigger> triggers = new ArrayList<>(); // guarded by lock
    private int reservedTotal;                              // guarded by lock
    private boolean closing;                                // guarded by lock

    private FaasRuntime(Builder builder) {
        Failures.load();
        // An invocation inherits nothing from its caller's thread: no inheritable thread-locals
        // (isolation, and a cheaper thread start).
        WorkTracker work = new WorkTracker(Thread.ofVirtual().inheritInheritableThreadLocals(false).factory());
        MeterRegistry registry = builder.meterRegistry;
        Counter journalFailures = registry == null ? null : Counter.builder("faas.ledger.journal.failures")
                .description("Ledger journal batches that could not be written").register(registry);
        Runnable countFailure = () -> {
            if (journalFailures != null) {
                journalFailures.increment();
            }
        };
        LedgerJournal journal = builder.journalDirectory == null ? null
                : builder.journalOpener == null
                        ? new LedgerJournal(builder.journalDirectory, builder.durability, builder.pricing, countFailure)
                        : new LedgerJournal(builder.journalDirectory, builder.durability, builder.pricing, countFailure,
                                builder.journalSegmentBytes, builder.journalOpener);
        SinkForwarder sink = builder.sink == null ? null : new SinkForwarder(builder.sink, builder.pricing);
        RuntimeLedger ledger;
        try {
            ledger = new RuntimeLedger(builder.pricing, builder.retention, journal, sink);
        } catch (RuntimeException | Error refused) { // the journal would not start: nor does the sink's thread
            if (sink != null) {
                sink.close();
            }
            throw refused;
        }
        this.engine = new Engine(builder.clock, work, builder.pricing, new ReportLog(builder.reportLog, builder.failureLog), ledger,
                registry, builder.concurrencyLimit, builder.memoryCapacityMb, builder.allocationMetering, functions,
                builder.undeliveredEvents, builder.listeners, builder.heapHighWater, builder.heapCritical, builder.idempotencyTtl);
        if (engine.heapGuard != null && builder.heapGuardListens) {
            engine.heapGuard.start();
        }
        this.drainTimeout = builder.drainTimeout;
        this.starvationWatch = CarrierProbe.listen(new CarrierStarvation(work, registry));
        this.clockMembership = builder.clock instanceof ManualClock manual ? manual.join(new ManualClock.Participant() {
            @Override
            public Optional<String> busy() {
                return work.busy();
            }

            @Override
            public Optional<String> busyOutsideUserCode() {
                return work.busyOutsideUserCode();
            }
        }) : () -> false;
    }

    /**
     * A builder with every option at its default.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    // ---- deployment ----

    /**
     * Deploys a function. Checks its configuration against the runtime (reserved concurrency within
     * the global limit and what other functions reserved, provisioned concurrency within its limit,
     * a unique name), then initialises its provisioned environments before returning.
     *
     * @param spec the function
     * @param <I> its input type
     * @param <O> its output type
     * @return a typed handle on it
     * @throws InvalidConfigException if the configuration does not fit the runtime, or the name is taken
     * @throws dev.faas.api.FunctionInitException if a provisioned environment failed to initialise
     * @throws RuntimeClosedException if the runtime is closed
     */
    public <I, O> FunctionRef<I, O> deploy(FunctionSpec<I, O> spec) {
        if (spec == null) {
            throw new InvalidConfigException("spec", "deploy needs a FunctionSpec, but was given null");
        }
        String name = spec.name();
        engine.checkOpen(name);
        int reservation = spec.config().reservedConcurrency().orElse(0);
        lock.lock();
        try {
            if (closing) {
                throw new RuntimeClosedException(name);
            }
            checkDeployable(spec);
            deploying.add(name);
            reserve(reservation);
        } finally {
            lock.unlock();
        }
        // All or nothing: whatever fails from here on (a meter filter that throws, a provisioned
        // environment that cannot start) leaves neither the name, nor the reservation, nor a meter.
        Deployment[] created = new Deployment[1];
        Deployment deployment;
        try {
            deployment = new Deployment(engine, spec, () -> {
                unreserve(reservation);
                draining.remove(created[0]);
            });
        } catch (RuntimeException | Error failure) {
            unreserve(reservation);
            publish(name, null);
            throw failure;
        }
        created[0] = deployment;
        try {
            deployment.environments.provision(spec.config().provisionedConcurrency());
        } catch (RuntimeException | Error failure) {
            deployment.undeploy();
            publish(name, null);
            throw failure;
        }
        publish(name, deployment);
        return new TypedRef<>(deployment, spec.inputType(), spec.outputType());
    }

    private void checkDeployable(FunctionSpec<?, ?> spec) {
        String name = spec.name();
        FunctionConfig config = spec.config();
        int limit = engine.concurrencyLimit;
        if (functions.containsKey(name) || deploying.contains(name)) {
            throw new InvalidConfigException(name, "name", "a function named '" + name
                    + "' is already deployed: undeploy it first, or deploy under another name");
        }
        if (config.reservedConcurrency().isPresent()) {
            int reserved = config.reservedConcurrency().getAsInt();
            if (reserved > limit) {
                throw new InvalidConfigException(name, "reservedConcurrency", "reservedConcurrency must be between 0"
                        + " and " + limit + " (the runtime's concurrencyLimit), but was " + reserved);
            }
            if (reserved > limit - reservedTotal) {
                throw new InvalidConfigException(name, "reservedConcurrency", "reservedConcurrency must be between 0"
                        + " and " + (limit - reservedTotal) + " (the runtime's concurrencyLimit of " + limit + " less the "
                        + reservedTotal + " other functions reserved), but was " + reserved);
            }
        }
        int shared = limit - reservedTotal;
        if (config.reservedConcurrency().isEmpty() && shared == 0) {
            throw new InvalidConfigException(name, "reservedConcurrency", "function '" + name + "' has no reserved"
                    + " concurrency, so it runs in the shared pool, but other functions reserve all " + limit + " of the"
                    + " runtime's concurrencyLimit: it could never run; give it a reservedConcurrency, or lower theirs");
        }
        if (config.reservedConcurrency().isPresent() && config.reservedConcurrency().getAsInt() == shared
                && shared > 0 && usesSharedPool()) {
            throw new InvalidConfigException(name, "reservedConcurrency", "reservedConcurrency must leave at least 1 of"
                    + " the shared pool to the functions that run in it, so at most " + (shared - 1) + ", but was "
                    + shared);
        }
        if (engine.memory != null && config.memoryMb() > engine.memory.limit()) {
            throw new InvalidConfigException(name, "memoryMb", "memoryMb must be between 1 and "
                    + engine.memory.limit() + " (the runtime's memoryCapacityMb), but was " + config.memoryMb());
        }
        checkDestination(name, "onSuccess", config.onSuccess());
        checkDestination(name, "onFailure", config.onFailure());
        if (config.reservedConcurrency().isEmpty() && config.provisionedConcurrency() > limit) {
            throw new InvalidConfigException(name, "provisionedConcurrency", "provisionedConcurrency must be between 0"
                    + " and " + limit + " (the runtime's concurrencyLimit), but was " + config.provisionedConcurrency());
        }
    }

    /** Whether a deployed function (or one being undeployed, whose calls may still run) has no reservation. */
    private boolean usesSharedPool() {
        for (Deployment deployment : functions.values()) {
            if (deployment.config.reservedConcurrency().isEmpty()) {
                return true;
            }
        }
        for (Deployment deployment : draining) {
            if (deployment.config.reservedConcurrency().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private void checkDestination(String name, String field, Optional<String> destination) {
        if (destination.isEmpty()) {
            return;
        }
        Deployment target = functions.get(destination.get());
        if (target == null) {
            throw new InvalidConfigException(name, field, field + " must name a deployed function taking"
                    + " DestinationEvent, but no function named '" + destination.get() + "' is deployed: deploy it first");
        }
        if (!target.inputType.isAssignableFrom(DestinationEvent.class)) {
            throw new InvalidConfigException(name, field, field + " must name a deployed function taking"
                    + " DestinationEvent, but '" + destination.get() + "' takes " + target.inputType.getName());
        }
    }

    /** Ends a deploy: publishes the function, or (null) only frees its name. */
    private void publish(String name, Deployment deployment) {
        lock.lock();
        try {
            deploying.remove(name);
            if (deployment != null) {
                if (closing) {
                    deployment.undeploy();
                    throw new RuntimeClosedException(name);
                }
                functions.put(name, deployment);
            }
        } finally {
            lock.unlock();
        }
    }

    private void reserve(int executions) {
        reservedTotal += executions;
        engine.sharedPool.setLimit(engine.concurrencyLimit - reservedTotal);
    }

    private void unreserve(int executions) {
        lock.lock();
        try {
            reserve(-executions);
        } finally {
            lock.unlock();
        }
        engine.capacityReleased(); // events of the shared pool may have waited for these
    }

    /**
     * Undeploys a function: new calls fail with {@link FunctionNotFoundException}, calls in flight
     * finish, idle environments are closed now and busy ones when their call ends. Its reserved
     * concurrency returns to the shared pool once its last call has ended.
     *
     * @param name the function's name
     * @throws FunctionNotFoundException if no such function is deployed
     */
    public void undeploy(String name) {
        Arguments.given("name", name, "the name of a deployed function");
        Deployment deployment;
        lock.lock();
        try {
            deployment = functions.remove(name);
            if (deployment != null) {
                draining.add(deployment);
            }
        } finally {
            lock.unlock();
        }
        if (deployment == null) {
            throw new FunctionNotFoundException(name);
        }
        deployment.undeploy();
    }

    // ---- Invoker ----

    @Override
    public <I, O> FunctionRef<I, O> function(String name, Class<I> inputType, Class<O> outputType) {
        Arguments.given("inputType", inputType, "the function's input class (Void.class for none)");
        Arguments.given("outputType", outputType, "the function's output class (Void.class for none)");
        return new TypedRef<>(require(name), wrap(inputType), wrap(outputType));
    }

    @Override
    public Optional<FunctionSpec<?, ?>> describe(String function) {
        Deployment deployment = function == null ? null : functions.get(function);
        return deployment == null ? Optional.empty() : Optional.of(deployment.spec);
    }

    @Override
    public Object invoke(String function, Object input) {
        return require(function).invoke(input);
    }

    @Override
    public CompletableFuture<Object> invokeAsync(String function, Object input) {
        try {
            return require(function).invokeAsync(input);
        } catch (RuntimeException refused) {
            return CompletableFuture.failedFuture(refused);
        }
    }

    @Override
    public String invokeEvent(String function, Object input) {
        return require(function).invokeEvent(input);
    }

    /**
     * Queues an EVENT invocation once per idempotency key: a key seen within the idempotency window
     * ({@link Builder#idempotencyTtl}) returns the first request id and runs nothing. A refused event
     * (a full queue) leaves no key behind.
     */
    @Override
    public String invokeEvent(String function, Object input, String idempotencyKey) {
        IdempotencyKeys.check(idempotencyKey); // a bad key is reported before an unknown function
        return require(function).invokeEvent(input, idempotencyKey);
    }

    /**
     * The dead-letter store: EVENT invocations that finally failed and had no onFailure destination
     * (or whose destination could not take them), and, unless an {@code undeliveredEvents} consumer
     * was given, the events left when the runtime closed. Readable after close.
     *
     * @return a snapshot, oldest first
     */
    public List<DestinationEvent> deadLetters() {
        return engine.deadLetters.snapshot();
    }

    /**
     * Virtual threads on the scheduler the runtime's invocations run on: the runtime's own carriers
     * when every call is metered ({@code allocationMetering(true)} in a JVM that allows it), else the
     * JDK's. A caller on the same scheduler as the calls it makes avoids a cross-pool wake-up per call.
     */
    @Override
    public ThreadFactory threadFactory() {
        if (engine.meterAll && engine.carriers != null) {
            return engine.carriers.threads();
        }
        return engine.work.threads();
    }

    private Deployment require(String name) {
        return engine.require(name);
    }

    @SuppressWarnings("unchecked")
    private static <T> Class<T> wrap(Class<T> type) {
        return (Class<T>) MethodType.methodType(type).wrap().returnType();
    }

    // ---- ledger, triggers, introspection, time ----

    /**
     * The billing ledger: one record per invocation that ran, exact usage sums, exports. With a
     * journal, it includes what was recovered from before a restart.
     *
     * @return the ledger
     */
    public Ledger ledger() {
        return engine.ledger;
    }

    /**
     * Starts a trigger against this runtime; it is closed when the runtime closes.
     *
     * @param trigger the trigger
     * @throws RuntimeClosedException if the runtime is closed
     */
    public void addTrigger(Trigger trigger) {
        Arguments.given("trigger", trigger, "the trigger to start");
        lock.lock();
        try {
            if (closing) {
                throw new RuntimeClosedException(null);
            }
            trigger.start(this);
            triggers.add(trigger);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A snapshot of the runtime's concurrency, orphaned threads and environments.
     *
     * @return the status
     */
    @SuppressWarnings("ModifyCollectionInEnhancedForLoop") // draining is a concurrent set
    public RuntimeStatus status() {
        Map<String, FunctionStatus> byName = new LinkedHashMap<>();
        int executions = 0;
        for (Deployment deployment : draining) {
            int left = deployment.concurrentExecutions();
            if (left == 0) {
                draining.remove(deployment); // its last call is over
            }
            executions += left;
        }
        for (Deployment deployment : functions.values()) {
            EnvironmentPool pool = deployment.environments;
            FunctionStatus function = new FunctionStatus(deployment.name, deployment.concurrentExecutions(),
                    pool.environments(), pool.idleEnvironments(), pool.provisionedEnvironments(),
                    deployment.config.reservedConcurrency());
            byName.put(deployment.name, function);
            executions += function.concurrentExecutions();
        }
        return new RuntimeStatus(engine.concurrencyLimit, engine.sharedPool.limit(), executions,
                engine.orphans.get(), byName);
    }

    /**
     * Waits until the runtime is quiescent: no internal work pending, and every invocation's thread
     * blocked in user code or finished. This is the wait a {@link ManualClock} makes between timer
     * firings, offered for tests with any clock. Real time.
     *
     * @param timeout how long to wait at most
     * @throws IllegalStateException naming what is still busy when the timeout passes
     */
    public void awaitQuiescence(Duration timeout) {
        Arguments.given("timeout", timeout, "how long to wait, in real time");
        engine.work.awaitQuiescence(timeout.compareTo(MAX_DURATION) > 0 ? MAX_DURATION : timeout, "awaitQuiescence");
    }

    // ---- close ----

    /**
     * Closes the runtime. Triggers are closed first (their deliveries in flight finish); then new
     * calls are refused with {@link RuntimeClosedException}; calls in flight get up to the drain
     * timeout (real time, even with a {@link ManualClock}) to finish, and the ones still running are
     * then stopped (their callers get a RuntimeClosedException); idle environments are closed, and
     * the busy environments of stopped calls when their threads end; the ledger's journal is flushed.
     * Idempotent: a second call waits for the first to finish.
     */
    @Override
    public void close() {
        List<Trigger> started;
        lock.lock();
        try {
            if (closing) {
                started = null;
            } else {
                closing = true;
                started = List.copyOf(triggers);
            }
        } finally {
            lock.unlock();
        }
        if (started == null) {
            closed.join();
            return;
        }
        try {
            for (Trigger trigger : started) {
                try {
                    trigger.close();
                } catch (RuntimeException e) {
                    log.warn("faas: closing trigger '{}' failed", trigger.name(), e);
                }
            }
            engine.markClosed();
            drain();
            engine.ledger.close();
            engine.closeMetering();
            engine.work.close();
        } finally {
            clockMembership.cancel();
            starvationWatch.run();
            closed.complete(null);
        }
    }

    private void drain() {
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        int leftOverBefore = engine.leftOverCount();
        List<Work> running = engine.work.awaitDrain(deadline, () -> eventsBlockDrain(deadline));
        // Dispatch stops before calls are stopped: a slot a stopped call releases must start no new try.
        for (Deployment deployment : functions.values()) {
            deployment.events.close();
        }
        if (!running.isEmpty()) {
            log.warn("faas: {} calls were still running after the drain timeout of {} ms; they are stopped: {}",
                    running.size(), drainTimeout.toMillis(), running.stream().limit(5).map(Work::describe).toList());
            for (Work work : running) {
                if (work instanceof Invocation invocation) {
                    invocation.shutDown();
                }
            }
        }
        for (Deployment deployment : functions.values()) {
            deployment.environments.close();
            deployment.deadlines.close(); // the open cohort's timer goes once its last member has left
        }
        // Handler closes and shutdown deliveries get what is left of the budget, and at least a moment.
        long closeDeadline = Math.max(deadline, System.nanoTime() + Duration.ofSeconds(1).toNanos());
        List<Work> left = engine.work.awaitDrain(closeDeadline, () -> false);
        if (!left.isEmpty()) {
            log.warn("faas: closed with {} tasks still running: {}", left.size(),
                    left.stream().limit(5).map(Work::describe).toList());
        }
        int leftOver = engine.leftOverCount() - leftOverBefore;
        if (leftOver > 0 && !engine.hasUndeliveredConsumer()) {
            log.warn("faas: {} EVENT invocations could not run before the runtime closed; they are in deadLetters()"
                    + " with condition SHUTDOWN (give the builder an undeliveredEvents consumer to keep them elsewhere)",
                    leftOver);
        }
    }

    /**
     * Whether queued events remain to be run: any queued or running, or a retry due before the
     * drain's deadline on the runtime's clock (a manual clock brings none due by itself).
     */
    private boolean eventsBlockDrain(long realDeadline) {
        if (engine.pendingEvents.get() == 0) {
            return false;
        }
        boolean clockMoves = !(engine.clock instanceof ManualClock);
        long clockDeadline = engine.clock.nanoTime() + Math.max(0, realDeadline - System.nanoTime());
        for (Deployment deployment : functions.values()) {
            if (deployment.events.blocksDrain(clockDeadline, clockMoves)) {
                return true;
            }
        }
        return false;
    }

    /** The engine, for tests in this package. */
    Engine engine() {
        return engine;
    }

    @Override
    public String toString() {
        return "FaasRuntime[" + functions.size() + " functions, limit " + engine.concurrencyLimit
                + (engine.isClosed() ? ", closed]" : "]");
    }

    /** Builds a {@link FaasRuntime}; every option has a default. */
    public static final class Builder {
        private int concurrencyLimit = DEFAULT_CONCURRENCY_LIMIT;
        private int memoryCapacityMb;
        private boolean allocationMetering;
        private double heapHighWater = DEFAULT_HEAP_HIGH_WATER;
        private double heapCritical = DEFAULT_HEAP_CRITICAL;
        private boolean heapGuardListens = true;
        private Pricing pricing = Pricing.LAMBDA_X86_64;
        private MeterRegistry meterRegistry;
        private TimeSource clock = TimeSource.system();
        private Path journalDirectory;
        private Durability durability = Durability.sync();
        private long journalSegmentBytes = LedgerJournal.DEFAULT_SEGMENT_BYTES;
        private LedgerJournal.SegmentOpener journalOpener;
        private LedgerSink sink;
        private int retention = DEFAULT_LEDGER_RETENTION;
        private boolean reportLog = true;
        private boolean failureLog = true;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private Duration idempotencyTtl = DEFAULT_IDEMPOTENCY_TTL;
        private Consumer<DestinationEvent> undeliveredEvents;
        private final List<InvocationListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /**
         * The most invocations that may run at once, shared by all functions (less what functions
         * reserve for themselves). Default 1,000.
         *
         * @param concurrencyLimit at least 1
         * @return this builder
         */
        public Builder concurrencyLimit(int concurrencyLimit) {
            this.concurrencyLimit = concurrencyLimit;
            return this;
        }

        /**
         * Turns on memory reservations: the memoryMb of running calls (orphaned ones included, until
         * their threads end) never sums past {@code memoryCapacityMb}; past it a synchronous call is
         * refused with a ThrottledException (reason MEMORY) and an EVENT invocation waits. Off by
         * default.
         *
         * @param memoryCapacityMb at least 1
         * @return this builder
         */
        public Builder memoryCapacityMb(int memoryCapacityMb) {
            if (memoryCapacityMb < 1) {
                throw new InvalidConfigException("memoryCapacityMb", "memoryCapacityMb must be at least 1, but was "
                        + memoryCapacityMb);
            }
            this.memoryCapacityMb = memoryCapacityMb;
            return this;
        }

        /**
         * Meters the heap bytes every call allocates (reported as {@code allocatedBytes}, on the
         * REPORT line and by {@code faas.allocated.bytes}), not only the calls of functions with an
         * {@code allocationLimitMb}, which are always metered. Needs the JVM option
         * {@code --add-opens java.base/java.lang=ALL-UNNAMED}: metered calls then run on virtual
         * threads of the runtime's own carrier pool. Default false: the JDK's scheduler keeps services
         * an owned pool lacks (a spare carrier for a call blocked in file I/O).
         *
         * @param allocationMetering whether to meter every call
         * @return this builder
         */
        public Builder allocationMetering(boolean allocationMetering) {
            this.allocationMetering = allocationMetering;
            return this;
        }

        /**
         * Sets the heap-pressure guard's marks, as fractions of the maximum heap, read after each
         * garbage collection: past {@code highWater} new calls are refused with a ThrottledException
         * (reason HEAP_PRESSURE) and events wait; past {@code critical} running calls are stopped,
         * the one furthest over its memoryMb first, one per collection. Defaults 0.90 and 0.95.
         *
         * @param highWater between 0 and 1
         * @param critical between highWater and 1
         * @return this builder
         */
        public Builder heapPressure(double highWater, double critical) {
            if (!(highWater > 0 && highWater <= critical && critical <= 1)) {
                throw new InvalidConfigException("heapPressure", "heapPressure marks must satisfy 0 < highWater <="
                        + " critical <= 1, but were " + highWater + " and " + critical);
            }
            this.heapHighWater = highWater;
            this.heapCritical = critical;
            return this;
        }

        /**
         * Turns the heap-pressure guard off (it is on by default).
         *
         * @return this builder
         */
        public Builder noHeapPressureGuard() {
            this.heapHighWater = 0;
            return this;
        }

        /** For this package's tests: journal segments of the given size, opened (and failed) as the test likes. */
        Builder journalSegments(long segmentBytes, LedgerJournal.SegmentOpener opener) {
            this.journalSegmentBytes = segmentBytes;
            this.journalOpener = opener;
            return this;
        }

        /** For this package's tests: a guard that does not listen to the collector, driven by hand. */
        Builder handDrivenHeapGuard() {
            this.heapGuardListens = false;
            return this;
        }

        /**
         * The prices billed durations are costed at. Default {@link Pricing#LAMBDA_X86_64}.
         *
         * @param pricing the pricing
         * @return this builder
         */
        public Builder pricing(Pricing pricing) {
            this.pricing = Arguments.given("pricing", pricing, "Pricing.LAMBDA_X86_64 (the default), Pricing.LAMBDA_ARM64,"
                    + " or your own");
            return this;
        }

        /**
         * The registry the runtime's meters go to (see the README for the list); none by default,
         * and the global registry is never touched.
         *
         * @param meterRegistry the host's registry
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = Arguments.given("meterRegistry", meterRegistry, "the host's registry; for no meters, leave it out");
            return this;
        }

        /**
         * Keeps an append-only journal of ledger records in {@code directory}, forced to disk before
         * each call returns ({@link Durability#sync()}). Built runtimes recover what the directory
         * holds, so that the ledger includes usage from before a restart.
         *
         * @param directory the journal's directory, created if missing
         * @return this builder
         */
        public Builder ledgerJournal(Path directory) {
            return ledgerJournal(directory, Durability.sync());
        }

        /**
         * Keeps an append-only journal of ledger records in {@code directory}, with the given
         * durability (what a crash can lose).
         *
         * @param directory the journal's directory, created if missing
         * @param durability when records are forced to disk
         * @return this builder
         */
        public Builder ledgerJournal(Path directory, Durability durability) {
            this.journalDirectory = Arguments.given("ledgerJournal", directory, "the journal's directory; for no journal, leave"
                    + " it out");
            this.durability = Arguments.given("durability", durability, "Durability.sync(), every(interval) or os()");
            return this;
        }

        /**
         * Also sends every ledger record to {@code sink}, in batches, on a thread of the runtime's.
         *
         * @param sink where to send records
         * @return this builder
         */
        public Builder ledgerSink(LedgerSink sink) {
            this.sink = Arguments.given("ledgerSink", sink, "where to send records; for none, leave it out");
            return this;
        }

        /**
         * How many of the newest records {@link Ledger#entries()} and fine-grained usage windows keep.
         * Usage sums stay exact whatever this is. Default 100,000.
         *
         * @param retention zero or more
         * @return this builder
         */
        public Builder ledgerRetention(int retention) {
            this.retention = retention;
            return this;
        }

        /**
         * Where every timer of the runtime comes from: deadlines, idle expiry, and later retries,
         * event age and schedules. Default {@link TimeSource#system()}; a {@link ManualClock} moves
         * only when advanced, and the runtime joins it so that advances wait for the runtime's work.
         *
         * @param clock the time source
         * @return this builder
         */
        public Builder clock(TimeSource clock) {
            this.clock = Arguments.given("clock", clock, "TimeSource.system() (the default) or a ManualClock");
            return this;
        }

        /**
         * Whether each invocation logs Lambda's REPORT line (logger {@code dev.faas.invocations},
         * INFO). Default true; the line is only formatted when that logger's INFO level is on.
         *
         * @param reportLog whether to log REPORT lines
         * @return this builder
         */
        public Builder reportLog(boolean reportLog) {
            this.reportLog = reportLog;
            return this;
        }

        /**
         * Whether a call that did not succeed logs why, once, on its function's logger
         * ({@code dev.faas.function.<name>}, with the request id in the MDC), as Lambda writes an
         * uncaught exception or a timeout to the function's log: the handler's or factory's exception
         * with its stack at ERROR ({@code Invoke Error: ...}, {@code Init Error: ...}),
         * {@code Task timed out after 3.00 seconds} and memory stops at ERROR, calls stopped by
         * {@link FaasRuntime#close()} at WARN. Default true.
         *
         * @param failureLog whether to log failed calls
         * @return this builder
         */
        public Builder failureLog(boolean failureLog) {
            this.failureLog = failureLog;
            return this;
        }

        /**
         * How long {@link FaasRuntime#close()} waits for calls in flight, in real time. Default 30 s.
         *
         * @param drainTimeout zero or more
         * @return this builder
         */
        public Builder drainTimeout(Duration drainTimeout) {
            this.drainTimeout = Arguments.given("drainTimeout", drainTimeout, "how long close() waits; Duration.ZERO not to wait");
            return this;
        }

        /**
         * How long an EVENT invocation's idempotency key is remembered, on the runtime's clock: a
         * repeat within it runs nothing and returns the first request id. Default 1 hour.
         *
         * @param idempotencyTtl at least 1 ms
         * @return this builder
         */
        public Builder idempotencyTtl(Duration idempotencyTtl) {
            this.idempotencyTtl = Arguments.given("idempotencyTtl", idempotencyTtl, "how long keys are remembered");
            return this;
        }

        /**
         * Where the EVENT invocations left when the runtime closes go (those still queued or waiting
         * for a retry after the drain), one call each, with condition SHUTDOWN and their payload, so
         * that the host can keep them. Default: the dead-letter store, and one WARN line.
         *
         * @param consumer what to hand them to
         * @return this builder
         */
        public Builder undeliveredEvents(Consumer<DestinationEvent> consumer) {
            this.undeliveredEvents = Arguments.given("undeliveredEvents", consumer, "a consumer; to keep them in deadLetters(),"
                    + " leave it out");
            return this;
        }

        /**
         * Adds a listener that hears every invocation's report and every destination event (test
         * harnesses, auditing). Reports are made only when a runtime has listeners.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(InvocationListener listener) {
            listeners.add(Arguments.given("listener", listener, "the listener to add"));
            return this;
        }

        /**
         * Builds the runtime.
         *
         * @return the runtime
         * @throws InvalidConfigException if an option is out of range
         */
        public FaasRuntime build() {
            if (concurrencyLimit < 1) {
                throw new InvalidConfigException("concurrencyLimit", "concurrencyLimit must be at least 1, but was "
                        + concurrencyLimit);
            }
            if (retention < 0 || retention > MAX_LEDGER_RETENTION) {
                throw new InvalidConfigException("ledgerRetention", "ledgerRetention must be between 0 and "
                        + MAX_LEDGER_RETENTION + ", but was " + retention);
            }
            if (idempotencyTtl.compareTo(Duration.ofMillis(1)) < 0 || idempotencyTtl.compareTo(MAX_DURATION) > 0) {
                throw new InvalidConfigException("idempotencyTtl", "idempotencyTtl must be between 1 ms and 365 days,"
                        + " but was " + idempotencyTtl);
            }
            if (drainTimeout.isNegative() || drainTimeout.compareTo(MAX_DURATION) > 0) {
                throw new InvalidConfigException("drainTimeout", "drainTimeout must be between 0 and 365 days, but was "
                        + drainTimeout);
            }
            return new FaasRuntime(this);
        }
    }
}
