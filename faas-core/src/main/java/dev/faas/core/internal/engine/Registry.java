package dev.faas.core.internal.engine;

import dev.faas.api.DestinationEvent;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionNotFoundException;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.Invoker;
import dev.faas.api.Isolation;
import dev.faas.api.ManualClock;
import dev.faas.api.RuntimeClosedException;
import dev.faas.api.Trigger;
import dev.faas.core.internal.util.Logs;
import dev.faas.core.internal.work.Work;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployed functions and the triggers of one runtime, and its close: deploys and undeploys
 * with their checks against the runtime's limits, the reservations of concurrency, and the drain
 * that lets calls and events in flight finish before environments close.
 */
public final class Registry {

    private static final Logger log = LoggerFactory.getLogger(Logs.RUNTIME);

    private final Engine engine;
    private final Duration drainTimeout;
    /**
     * Undeployed functions whose calls may still be running: their slots still count. One leaves
     * when its reservation returns, or when {@link #drainingExecutions()} finds it idle.
     */
    private final Set<Deployment> draining = ConcurrentHashMap.newKeySet();

    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    private final ReentrantLock lock = new ReentrantLock(); // deploys, undeploys, triggers, the start of close
    private final Set<String> deploying = new HashSet<>(); // guarded by lock
    private final List<Trigger> triggers = new ArrayList<>(); // guarded by lock
    private int reservedTotal; // guarded by lock
    private boolean closing; // guarded by lock

    public Registry(Engine engine, Duration drainTimeout) {
        this.engine = engine;
        this.drainTimeout = drainTimeout;
    }

    /**
     * Deploys a function: checks its configuration against the runtime, then initialises its
     * provisioned environments. All or nothing: whatever fails leaves neither the name, nor the
     * reservation, nor a meter behind.
     */
    public Deployment deploy(FunctionSpec<?, ?> spec) {
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
        return deployment;
    }

    private void checkDeployable(FunctionSpec<?, ?> spec) {
        String name = spec.name();
        FunctionConfig config = spec.config();
        int limit = engine.concurrencyLimit;
        if (engine.deployed(name) != null || deploying.contains(name)) {
            throw new InvalidConfigException(
                    name,
                    "name",
                    "a function named '" + name
                            + "' is already deployed: undeploy it first, or deploy under another name");
        }
        if (config.reservedConcurrency().isPresent()) {
            int reserved = config.reservedConcurrency().getAsInt();
            if (reserved > limit) {
                throw new InvalidConfigException(
                        name,
                        "reservedConcurrency",
                        "reservedConcurrency must be between 0" + " and " + limit
                                + " (the runtime's concurrencyLimit), but was " + reserved);
            }
            if (reserved > limit - reservedTotal) {
                throw new InvalidConfigException(
                        name,
                        "reservedConcurrency",
                        "reservedConcurrency must be between 0"
                                + " and " + (limit - reservedTotal) + " (the runtime's concurrencyLimit of " + limit
                                + " less the "
                                + reservedTotal + " other functions reserved), but was " + reserved);
            }
        }
        int shared = limit - reservedTotal;
        if (config.reservedConcurrency().isEmpty() && shared == 0) {
            throw new InvalidConfigException(
                    name,
                    "reservedConcurrency",
                    "function '" + name + "' has no reserved"
                            + " concurrency, so it runs in the shared pool, but other functions reserve all " + limit
                            + " of the"
                            + " runtime's concurrencyLimit: it could never run; give it a reservedConcurrency, or lower theirs");
        }
        if (config.reservedConcurrency().isPresent()
                && config.reservedConcurrency().getAsInt() == shared
                && shared > 0
                && usesSharedPool()) {
            throw new InvalidConfigException(
                    name,
                    "reservedConcurrency",
                    "reservedConcurrency must leave at least 1 of"
                            + " the shared pool to the functions that run in it, so at most " + (shared - 1)
                            + ", but was "
                            + shared);
        }
        if (engine.memory != null && config.memoryMb() > engine.memory.limit()) {
            throw new InvalidConfigException(
                    name,
                    "memoryMb",
                    "memoryMb must be between 1 and " + engine.memory.limit()
                            + " (the runtime's memoryCapacityMb), but was " + config.memoryMb());
        }
        if (config.isolation() == Isolation.PROCESS) {
            throw new InvalidConfigException(
                    name,
                    "isolation",
                    spec.handlerClass().isEmpty()
                            ? "function '" + name + "' has isolation PROCESS, but its code is an object (a lambda or a"
                                    + " constructor reference), which cannot cross into a worker process: name its"
                                    + " class with FunctionSpec.ofClass"
                            : "function '" + name + "' has isolation PROCESS, which this build does not run yet (worker"
                                    + " processes are being built): use Isolation.IN_PROCESS");
        }
        checkDestination(name, "onSuccess", config.onSuccess());
        checkDestination(name, "onFailure", config.onFailure());
        if (config.reservedConcurrency().isEmpty() && config.provisionedConcurrency() > limit) {
            throw new InvalidConfigException(
                    name,
                    "provisionedConcurrency",
                    "provisionedConcurrency must be between 0" + " and " + limit
                            + " (the runtime's concurrencyLimit), but was " + config.provisionedConcurrency());
        }
    }

    /** Whether a deployed function (or one being undeployed, whose calls may still run) has no reservation. */
    private boolean usesSharedPool() {
        for (Deployment deployment : engine.deployments()) {
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
        Deployment target = engine.deployed(destination.get());
        if (target == null) {
            throw new InvalidConfigException(
                    name,
                    field,
                    field + " must name a deployed function taking" + " DestinationEvent, but no function named '"
                            + destination.get() + "' is deployed: deploy it first");
        }
        if (!target.inputType.isAssignableFrom(DestinationEvent.class)) {
            throw new InvalidConfigException(
                    name,
                    field,
                    field + " must name a deployed function taking" + " DestinationEvent, but '" + destination.get()
                            + "' takes " + target.inputType.getName());
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
                engine.publish(deployment);
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
     * Undeploys a function: new calls fail, calls in flight finish, idle environments close now and
     * busy ones when their call ends; its reservation returns once its last call has ended.
     */
    public void undeploy(String name) {
        Deployment deployment;
        lock.lock();
        try {
            deployment = engine.unpublish(name);
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

    /** The deployed functions, in no particular order. */
    public Collection<Deployment> deployments() {
        return engine.deployments();
    }

    /** The concurrency slots that undeployed functions' calls still hold; forgets the ones now idle. */
    @SuppressWarnings("ModifyCollectionInEnhancedForLoop") // draining is a concurrent set
    public int drainingExecutions() {
        int executions = 0;
        for (Deployment deployment : draining) {
            int left = deployment.concurrentExecutions();
            if (left == 0) {
                draining.remove(deployment); // its last call is over
            }
            executions += left;
        }
        return executions;
    }

    /** Starts a trigger against {@code invoker}; it is closed when the runtime closes. */
    public void addTrigger(Trigger trigger, Invoker invoker) {
        lock.lock();
        try {
            if (closing) {
                throw new RuntimeClosedException(null);
            }
            trigger.start(invoker);
            triggers.add(trigger);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the runtime's functions: triggers first (their deliveries in flight finish), then new
     * calls are refused, calls and events in flight get the drain timeout, the ones still running are
     * stopped, environments are closed; then {@code release} frees what else the runtime holds,
     * whatever went wrong before. Idempotent: a second call waits for the first to end.
     */
    public void close(Runnable release) {
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
        } finally {
            try {
                release.run();
            } finally {
                closed.complete(null);
            }
        }
    }

    private void drain() {
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        int leftOverBefore = engine.leftOverCount();
        List<Work> running = engine.work.awaitDrain(deadline, () -> eventsBlockDrain(deadline));
        // Dispatch stops before calls are stopped: a slot a stopped call releases must start no new try.
        for (Deployment deployment : engine.deployments()) {
            deployment.events.close();
        }
        if (!running.isEmpty()) {
            log.warn(
                    "faas: {} calls were still running after the drain timeout of {} ms; they are stopped: {}",
                    running.size(),
                    drainTimeout.toMillis(),
                    running.stream().limit(5).map(Work::describe).toList());
            for (Work work : running) {
                if (work instanceof Invocation invocation) {
                    invocation.shutDown();
                }
            }
        }
        for (Deployment deployment : engine.deployments()) {
            deployment.environments.close();
            deployment.deadlines.close(); // the open cohort's timer goes once its last member has left
            deployment.initDeadlines.close();
        }
        // Handler closes and shutdown deliveries get what is left of the budget, and at least a moment.
        long closeDeadline =
                Math.max(deadline, System.nanoTime() + Duration.ofSeconds(1).toNanos());
        List<Work> left = engine.work.awaitDrain(closeDeadline, () -> false);
        if (!left.isEmpty()) {
            log.warn(
                    "faas: closed with {} tasks still running: {}",
                    left.size(),
                    left.stream().limit(5).map(Work::describe).toList());
        }
        int leftOver = engine.leftOverCount() - leftOverBefore;
        if (leftOver > 0 && !engine.hasUndeliveredConsumer()) {
            log.warn(
                    "faas: {} EVENT invocations could not run before the runtime closed; they are in deadLetters()"
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
        for (Deployment deployment : engine.deployments()) {
            if (deployment.events.blocksDrain(clockDeadline, clockMoves)) {
                return true;
            }
        }
        return false;
    }
}
