package dev.faas.core;

import dev.faas.api.DestinationEvent;
import dev.faas.api.FunctionNotFoundException;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.InvocationListener;
import dev.faas.api.Invoker;
import dev.faas.api.ManualClock;
import dev.faas.api.RuntimeClosedException;
import dev.faas.api.TimeSource;
import dev.faas.api.Trigger;
import dev.faas.api.ledger.Durability;
import dev.faas.api.ledger.Ledger;
import dev.faas.api.ledger.LedgerSink;
import dev.faas.api.ledger.Pricing;
import dev.faas.core.internal.async.IdempotencyKeys;
import dev.faas.core.internal.engine.Deployment;
import dev.faas.core.internal.engine.Engine;
import dev.faas.core.internal.engine.Registry;
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
import dev.faas.core.internal.work.WorkTracker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

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

    private final RuntimeConfig config;
    private final Engine engine;
    private final Registry registry;
    private final TimeSource.Cancellable clockMembership;
    /** Stops this runtime's hearing of carrier starvation. */
    private final Runnable starvationWatch;

    private FaasRuntime(RuntimeConfig config, Builder hooks) {
        Failures.load();
        this.config = config;
        // An invocation inherits nothing from its caller's thread: no inheritable thread-locals
        // (isolation, and a cheaper thread start).
        WorkTracker work = new WorkTracker(
                Thread.ofVirtual().inheritInheritableThreadLocals(false).factory());
        MeterRegistry meters = config.meterRegistry().orElse(null);
        RuntimeLedger ledger = ledger(config, hooks, meters);
        this.engine = new Engine(
                config.clock(),
                work,
                config.pricing(),
                new ReportLog(config.reportLog(), config.failureLog()),
                ledger,
                meters,
                config.concurrencyLimit(),
                config.memoryCapacityMb().orElse(0),
                config.allocationMetering(),
                config.undeliveredEvents().orElse(null),
                config.listeners(),
                config.heapPressureGuard() ? config.heapHighWater() : 0,
                config.heapCritical(),
                config.idempotencyTtl());
        if (engine.heapGuard != null && hooks.heapGuardListens) {
            engine.heapGuard.start();
        }
        this.registry = new Registry(engine, config.drainTimeout());
        this.starvationWatch = CarrierProbe.listen(new CarrierStarvation(work, meters));
        this.clockMembership = config.clock() instanceof ManualClock manual
                ? manual.join(new ManualClock.Participant() {
                    @Override
                    public Optional<String> busy() {
                        return work.busy();
                    }

                    @Override
                    public Optional<String> busyOutsideUserCode() {
                        return work.busyOutsideUserCode();
                    }
                })
                : () -> false;
    }

    /** The ledger with its journal (recovered here) and sink; a journal that will not start stops the sink's thread. */
    private static RuntimeLedger ledger(RuntimeConfig config, Builder hooks, MeterRegistry meters) {
        Counter journalFailures = meters == null
                ? null
                : Counter.builder("faas.ledger.journal.failures")
                        .description("Ledger journal batches that could not be written")
                        .register(meters);
        Runnable countFailure = () -> {
            if (journalFailures != null) {
                journalFailures.increment();
            }
        };
        LedgerJournal journal = config.ledgerJournal()
                .map(directory -> hooks.journalOpener == null
                        ? new LedgerJournal(directory, config.durability(), config.pricing(), countFailure)
                        : new LedgerJournal(
                                directory,
                                config.durability(),
                                config.pricing(),
                                countFailure,
                                hooks.journalSegmentBytes,
                                hooks.journalOpener))
                .orElse(null);
        SinkForwarder sink = config.ledgerSink()
                .map(target -> new SinkForwarder(target, config.pricing()))
                .orElse(null);
        try {
            return new RuntimeLedger(config.pricing(), config.ledgerRetention(), journal, sink);
        } catch (RuntimeException | Error refused) {
            if (sink != null) {
                sink.close();
            }
            throw refused;
        }
    }

    /**
     * A builder with every option at its default.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The configuration this runtime runs with.
     *
     * @return the configuration
     */
    public RuntimeConfig config() {
        return config;
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
        Deployment deployment = registry.deploy(spec);
        return new TypedRef<>(deployment, spec.inputType(), spec.outputType());
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
        registry.undeploy(name);
    }

    // ---- Invoker ----

    @Override
    public <I, O> FunctionRef<I, O> function(String name, Class<I> inputType, Class<O> outputType) {
        Arguments.given("inputType", inputType, "the function's input class (Void.class for none)");
        Arguments.given("outputType", outputType, "the function's output class (Void.class for none)");
        return new TypedRef<>(engine.require(name), wrap(inputType), wrap(outputType));
    }

    @Override
    public Optional<FunctionSpec<?, ?>> describe(String function) {
        Deployment deployment = function == null ? null : engine.deployed(function);
        return deployment == null ? Optional.empty() : Optional.of(deployment.spec);
    }

    @Override
    public Object invoke(String function, Object input) {
        return engine.require(function).invoke(input);
    }

    @Override
    public CompletableFuture<Object> invokeAsync(String function, Object input) {
        try {
            return engine.require(function).invokeAsync(input);
        } catch (RuntimeException refused) {
            return CompletableFuture.failedFuture(refused);
        }
    }

    @Override
    public String invokeEvent(String function, Object input) {
        return engine.require(function).invokeEvent(input);
    }

    /**
     * Queues an EVENT invocation once per idempotency key: a key seen within the idempotency window
     * ({@link Builder#idempotencyTtl}) returns the first request id and runs nothing. A refused event
     * (a full queue) leaves no key behind.
     */
    @Override
    public String invokeEvent(String function, Object input, String idempotencyKey) {
        IdempotencyKeys.check(idempotencyKey); // a bad key is reported before an unknown function
        return engine.require(function).invokeEvent(input, idempotencyKey);
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

    /** The clock the runtime was built with: every timer of the runtime, and a schedule trigger's, runs on it. */
    @Override
    public TimeSource clock() {
        return config.clock();
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
        registry.addTrigger(trigger, this);
    }

    /**
     * A snapshot of the runtime's concurrency, orphaned threads and environments.
     *
     * @return the status
     */
    public RuntimeStatus status() {
        Map<String, FunctionStatus> byName = new LinkedHashMap<>();
        int executions = registry.drainingExecutions();
        for (Deployment deployment : registry.deployments()) {
            EnvironmentPool pool = deployment.environments;
            FunctionStatus function = new FunctionStatus(
                    deployment.name,
                    deployment.concurrentExecutions(),
                    pool.environments(),
                    pool.idleEnvironments(),
                    pool.provisionedEnvironments(),
                    deployment.config.reservedConcurrency());
            byName.put(deployment.name, function);
            executions += function.concurrentExecutions();
        }
        return new RuntimeStatus(
                engine.concurrencyLimit, engine.sharedPool.limit(), executions, engine.orphans.get(), byName);
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
        Duration bounded = timeout.compareTo(RuntimeConfig.MAX_DURATION) > 0 ? RuntimeConfig.MAX_DURATION : timeout;
        engine.work.awaitQuiescence(bounded, "awaitQuiescence");
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
        registry.close(() -> {
            try {
                engine.ledger.close();
                engine.closeMetering();
                engine.work.close();
            } finally {
                clockMembership.cancel();
                starvationWatch.run();
            }
        });
    }

    /** The engine, for tests in this package. */
    Engine engine() {
        return engine;
    }

    @Override
    public String toString() {
        return "FaasRuntime[" + registry.deployments().size() + " functions, limit " + engine.concurrencyLimit
                + (engine.isClosed() ? ", closed]" : "]");
    }

    /** Builds a {@link FaasRuntime}; every option has a default. */
    public static final class Builder {
        private int concurrencyLimit = RuntimeConfig.DEFAULT_CONCURRENCY_LIMIT;
        private OptionalInt memoryCapacityMb = OptionalInt.empty();
        private boolean allocationMetering;
        private boolean heapPressureGuard = true;
        private double heapHighWater = RuntimeConfig.DEFAULT_HEAP_HIGH_WATER;
        private double heapCritical = RuntimeConfig.DEFAULT_HEAP_CRITICAL;
        private Pricing pricing = Pricing.LAMBDA_X86_64;
        private Optional<MeterRegistry> meterRegistry = Optional.empty();
        private TimeSource clock = TimeSource.system();
        private Optional<Path> journalDirectory = Optional.empty();
        private Durability durability = Durability.sync();
        private Optional<LedgerSink> sink = Optional.empty();
        private int retention = RuntimeConfig.DEFAULT_LEDGER_RETENTION;
        private boolean reportLog = true;
        private boolean failureLog = true;
        private Duration drainTimeout = RuntimeConfig.DEFAULT_DRAIN_TIMEOUT;
        private Duration idempotencyTtl = RuntimeConfig.DEFAULT_IDEMPOTENCY_TTL;
        private Optional<Consumer<DestinationEvent>> undeliveredEvents = Optional.empty();
        private final List<InvocationListener> listeners = new ArrayList<>();
        // For this package's tests only: not options a host has.
        private long journalSegmentBytes = LedgerJournal.DEFAULT_SEGMENT_BYTES;
        private LedgerJournal.SegmentOpener journalOpener;
        private boolean heapGuardListens = true;

        private Builder() {}

        /** Every option as {@code config} has it. */
        Builder from(RuntimeConfig config) {
            concurrencyLimit = config.concurrencyLimit();
            memoryCapacityMb = config.memoryCapacityMb();
            allocationMetering = config.allocationMetering();
            heapPressureGuard = config.heapPressureGuard();
            heapHighWater = config.heapHighWater();
            heapCritical = config.heapCritical();
            pricing = config.pricing();
            meterRegistry = config.meterRegistry();
            clock = config.clock();
            journalDirectory = config.ledgerJournal();
            durability = config.durability();
            sink = config.ledgerSink();
            retention = config.ledgerRetention();
            reportLog = config.reportLog();
            failureLog = config.failureLog();
            drainTimeout = config.drainTimeout();
            idempotencyTtl = config.idempotencyTtl();
            undeliveredEvents = config.undeliveredEvents();
            listeners.clear();
            listeners.addAll(config.listeners());
            return this;
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
            RuntimeConfig.checkMemoryCapacity(memoryCapacityMb);
            this.memoryCapacityMb = OptionalInt.of(memoryCapacityMb);
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
            RuntimeConfig.checkHeapPressure(highWater, critical);
            this.heapPressureGuard = true;
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
            this.heapPressureGuard = false;
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
            this.pricing = Arguments.given(
                    "pricing", pricing, "Pricing.LAMBDA_X86_64 (the default), Pricing.LAMBDA_ARM64," + " or your own");
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
            this.meterRegistry = Optional.of(Arguments.given(
                    "meterRegistry", meterRegistry, "the host's registry; for no meters, leave it out"));
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
            this.journalDirectory = Optional.of(Arguments.given(
                    "ledgerJournal", directory, "the journal's directory; for no journal, leave it out"));
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
            this.sink =
                    Optional.of(Arguments.given("ledgerSink", sink, "where to send records; for none, leave it out"));
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
            this.drainTimeout =
                    Arguments.given("drainTimeout", drainTimeout, "how long close() waits; Duration.ZERO not to wait");
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
            this.undeliveredEvents = Optional.of(Arguments.given(
                    "undeliveredEvents", consumer, "a consumer; to keep them in deadLetters(), leave it out"));
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
         * The configuration this builder holds, checked as a whole.
         *
         * @return the configuration
         * @throws InvalidConfigException if an option is out of range
         */
        public RuntimeConfig config() {
            return new RuntimeConfig(
                    concurrencyLimit,
                    memoryCapacityMb,
                    allocationMetering,
                    heapPressureGuard,
                    heapHighWater,
                    heapCritical,
                    pricing,
                    meterRegistry,
                    clock,
                    journalDirectory,
                    durability,
                    sink,
                    retention,
                    reportLog,
                    failureLog,
                    drainTimeout,
                    idempotencyTtl,
                    undeliveredEvents,
                    listeners);
        }

        /**
         * Builds the runtime.
         *
         * @return the runtime
         * @throws InvalidConfigException if an option is out of range
         */
        public FaasRuntime build() {
            return new FaasRuntime(config(), this);
        }
    }
}
