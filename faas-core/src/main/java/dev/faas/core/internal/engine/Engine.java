package dev.faas.core.internal.engine;

import dev.faas.api.DestinationEvent;
import dev.faas.api.FunctionNotFoundException;
import dev.faas.api.InvocationListener;
import dev.faas.api.InvocationReport;
import dev.faas.api.RuntimeClosedException;
import dev.faas.api.TimeSource;
import dev.faas.api.ledger.Pricing;
import dev.faas.core.internal.async.DeadLetters;
import dev.faas.core.internal.async.IdempotencyKeys;
import dev.faas.core.internal.ledger.RuntimeLedger;
import dev.faas.core.internal.memory.AllocationMetering;
import dev.faas.core.internal.memory.HeapGuard;
import dev.faas.core.internal.memory.MemoryWatchdog;
import dev.faas.core.internal.observe.FunctionMetrics;
import dev.faas.core.internal.observe.ReportLog;
import dev.faas.core.internal.util.Failures;
import dev.faas.core.internal.util.Logs;
import dev.faas.core.internal.work.WorkTracker;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every deployment of one runtime shares: time, threads, the shared pool, pricing, recording. */
public final class Engine {

    private static final Logger log = LoggerFactory.getLogger(Logs.RUNTIME);

    public final TimeSource clock;
    final WallClock wallClock;
    public final WorkTracker work;
    final Pricing pricing;
    final ReportLog reportLog;
    public final RuntimeLedger ledger;
    /** The host's registry, or null when the runtime keeps no meters. */
    final MeterRegistry meterRegistry;

    public final int concurrencyLimit;
    /** The executions every function without reserved concurrency shares: the limit less all reservations. */
    public final Limiter sharedPool;
    /** Megabytes of memoryMb reserved by running calls, or null when the runtime has no memory capacity. */
    public final Limiter memory;
    /** Whether every call is metered, not only those of functions with an allocation limit. */
    public final boolean meterAll;
    /** The carriers of metered virtual threads, or null when this JVM cannot meter them. */
    public final AllocationMetering.CarrierPool carriers;

    private volatile MemoryWatchdog watchdog;
    /** The heap-pressure guard, or null when it is turned off. */
    public final HeapGuard heapGuard;
    /** The host's listeners; empty, and then no report is made. */
    final List<InvocationListener> listeners;
    /** Threads still running past the moment the runtime gave up on them. */
    public final AtomicInteger orphans = new AtomicInteger();
    /** EVENT invocations accepted and not yet done, in every function. */
    public final AtomicInteger pendingEvents = new AtomicInteger();

    public final DeadLetters deadLetters = new DeadLetters();
    final IdempotencyKeys idempotency;
    /** Where events left at close go; null: to the dead letters. */
    private final Consumer<DestinationEvent> undelivered;
    /** The deployed functions, by name: the registry writes it, calls read it. */
    private final Map<String, Deployment> functions = new ConcurrentHashMap<>();
    /** Event queues waiting for capacity others hold (the shared pool, memory); any release pumps them. */
    private final Set<EventQueue> waitingForCapacity = ConcurrentHashMap.newKeySet();

    private final AtomicInteger waitingCount = new AtomicInteger();
    private final AtomicInteger leftOver = new AtomicInteger();
    private volatile boolean closed;
    private boolean meteringClosed; // guarded by this

    public Engine(
            TimeSource clock,
            WorkTracker work,
            Pricing pricing,
            ReportLog reportLog,
            RuntimeLedger ledger,
            MeterRegistry meterRegistry,
            int concurrencyLimit,
            int memoryCapacityMb,
            boolean meterAll,
            Consumer<DestinationEvent> undelivered,
            List<InvocationListener> listeners,
            double heapHighWater,
            double heapCritical,
            Duration idempotencyTtl) {
        this.clock = clock;
        this.wallClock = new WallClock(clock);
        this.work = work;
        this.pricing = pricing;
        this.reportLog = reportLog;
        this.ledger = ledger;
        this.meterRegistry = meterRegistry;
        this.concurrencyLimit = concurrencyLimit;
        this.sharedPool = new Limiter(concurrencyLimit);
        this.memory = memoryCapacityMb > 0 ? new Limiter(memoryCapacityMb) : null;
        this.meterAll = meterAll;
        this.carriers = AllocationMetering.MODE == AllocationMetering.Mode.VIRTUAL
                ? new AllocationMetering.CarrierPool()
                : null;
        this.undelivered = undelivered;
        this.listeners = List.copyOf(listeners);
        this.idempotency = new IdempotencyKeys(idempotencyTtl, clock);
        this.heapGuard = heapHighWater > 0
                ? new HeapGuard(work, sharedPool::inUse, this::capacityReleased, heapHighWater, heapCritical)
                : null;
    }

    /**
     * The watchdog of allocation limits, started with the first capped call; once metering is closed,
     * a closed one that watches nothing (no capped call starts then, but an orphan may still end).
     */
    MemoryWatchdog watchdog() {
        MemoryWatchdog current = watchdog;
        if (current == null) {
            synchronized (this) {
                current = watchdog;
                if (current == null) {
                    current = meteringClosed ? MemoryWatchdog.closed() : MemoryWatchdog.start();
                    watchdog = current;
                }
            }
        }
        return current;
    }

    /**
     * Stops the guard and the watchdog. The carriers are not shut down: a virtual thread still on them
     * (an orphan, a handler's child, a host's thread from threadFactory()) could never resume. Idle
     * carriers end after their keep-alive.
     */
    public void closeMetering() {
        if (heapGuard != null) {
            heapGuard.close();
        }
        MemoryWatchdog current;
        synchronized (this) {
            meteringClosed = true;
            current = watchdog;
        }
        if (current != null) {
            current.close();
        }
    }

    /** A deployed function, or null. */
    public Deployment deployed(String name) {
        return functions.get(name);
    }

    Collection<Deployment> deployments() {
        return functions.values();
    }

    void publish(Deployment deployment) {
        functions.put(deployment.name, deployment);
    }

    /** Removes a function from the deployed ones: the one removed, or null. */
    Deployment unpublish(String name) {
        return functions.remove(name);
    }

    /** A deployed function, for a call to it: a closed runtime or an unknown name is a typed error. */
    public Deployment require(String name) {
        checkOpen(name);
        if (name == null) {
            throw new FunctionNotFoundException(null);
        }
        Deployment deployment = functions.get(name);
        if (deployment == null) {
            throw new FunctionNotFoundException(name);
        }
        return deployment;
    }

    // ---- events ----

    /** Registers a queue whose next event waits for capacity other functions hold (shared pool, memory). */
    void waitForCapacity(EventQueue queue) {
        if (waitingForCapacity.add(queue)) {
            waitingCount.incrementAndGet();
        }
    }

    /** A slot (and its memory) was released: the queues waiting for capacity get their turn. */
    @SuppressWarnings("ModifyCollectionInEnhancedForLoop") // a concurrent set: removing while iterating is safe
    public void capacityReleased() {
        if (waitingCount.get() == 0) {
            return;
        }
        for (EventQueue queue : waitingForCapacity) {
            if (waitingForCapacity.remove(queue)) {
                waitingCount.decrementAndGet();
                queue.pump();
            }
        }
    }

    /**
     * Puts a finally failed event in the dead-letter store, counted; {@code why} is set when it should
     * have gone somewhere else (its destination was missing or refused it), which is worth a WARN.
     */
    void deadLetter(DestinationEvent letter, FunctionMetrics metrics, String why) {
        deadLetters.add(letter);
        announce(letter);
        if (metrics != null) {
            metrics.deadLettered();
        }
        if (why != null) {
            log.warn(
                    "faas: event {} of '{}' ({}) went to the dead letters: {}",
                    letter.requestId(),
                    letter.function(),
                    letter.condition(),
                    why);
        }
    }

    /** An event that could not run before the runtime closed or its function was undeployed. */
    void leftOver(DestinationEvent letter, FunctionMetrics metrics) {
        leftOver.incrementAndGet();
        announce(letter);
        if (undelivered != null) {
            try {
                undelivered.accept(letter);
                return;
            } catch (RuntimeException e) {
                log.warn(
                        "faas: the undeliveredEvents consumer failed on event {}; it goes to the dead letters",
                        letter.requestId(),
                        e);
            }
        }
        deadLetters.add(letter);
        if (metrics != null) {
            metrics.deadLettered();
        }
    }

    /** How many events were left over so far. */
    public int leftOverCount() {
        return leftOver.get();
    }

    public boolean hasUndeliveredConsumer() {
        return undelivered != null;
    }

    public void checkOpen(String function) {
        if (closed) {
            throw new RuntimeClosedException(function);
        }
    }

    public boolean isClosed() {
        return closed;
    }

    public void markClosed() {
        closed = true;
    }

    /**
     * Everything that follows an invocation's outcome before its caller may see it: the ledger
     * record, the meters, the REPORT line. Never throws into the invocation.
     */
    void record(Invocation invocation) {
        try {
            Deployment function = invocation.deployment();
            ledger.record(invocation, function.usage);
            function.sampleDuration(invocation.idLow(), invocation.durationNanos());
            if (function.metrics != null) {
                function.metrics.record(invocation);
            }
            reportLog.report(invocation);
            reportLog.failure(invocation);
        } catch (Throwable e) { // recording never throws into the invocation, an Error included
            Failures.survived("recording " + invocation.describe(), e);
        }
        if (!listeners.isEmpty()) {
            InvocationReport report = invocation.report();
            for (InvocationListener listener : listeners) {
                try {
                    listener.onInvocation(report);
                } catch (RuntimeException | Error e) { // an Error too: the other listeners still hear the call
                    log.warn("faas: a listener failed on {}", invocation.describe(), Failures.printable(e));
                }
            }
        }
    }

    /** Tells the listeners about a destination event the runtime made. */
    void announce(DestinationEvent event) {
        for (InvocationListener listener : listeners) {
            try {
                listener.onDestinationEvent(event);
            } catch (RuntimeException | Error e) {
                log.warn("faas: a listener failed on destination event {}", event.requestId(), Failures.printable(e));
            }
        }
    }
}
