package dev.faas.core.internal.engine;

import dev.faas.api.DestinationEvent;
import dev.faas.api.FaasException;
import dev.faas.api.Outcome;
import dev.faas.api.ThrottledException;
import dev.faas.api.TimeSource;
import dev.faas.core.internal.async.Event;
import dev.faas.core.internal.util.Failures;
import dev.faas.core.internal.util.Logs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The EVENT invocations of one function: accepted at once, run as soon as concurrency allows, tried
 * again after failures, expired when too old, and routed to a destination or the dead letters.
 *
 * <p>Accepted events wait in a lock-free FIFO. {@link #pump()} starts them while admission grants
 * slots (the same admission as synchronous calls: a throttled event waits, it does not fail); it
 * runs when an event arrives, when a retry comes due, and whenever a slot is released, by this
 * function or (for a function in the shared pool) by any other. Several threads may pump at once:
 * each event is taken by one compare-and-set.
 *
 * <p>Timers come from the runtime's clock: one age timer per event, armed when it is accepted, and a
 * retry timer after each failed try. The bound {@code maxQueuedEvents} counts the events accepted
 * and not yet done, retries and running tries included.
 */
public final class EventQueue {

    private static final Logger log = LoggerFactory.getLogger(Logs.RUNTIME);
    private static final int STALE_SWEEP_MIN = 64;
    private static final int ROUTING_ATTEMPTS = 1_000;
    private static final long ROUTING_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Deployment function;
    private final Engine engine;
    private final ConcurrentLinkedQueue<Event> ready = new ConcurrentLinkedQueue<>();
    private final Set<Event> pending = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    /** Entries of expired events still in {@code ready}, about: see {@link #dropStaleEntries()}. */
    private final AtomicInteger staleEntries = new AtomicInteger();

    private final long maxEventAgeNanos;
    private volatile boolean closed;

    EventQueue(Deployment function) {
        this.function = function;
        this.engine = function.engine;
        this.maxEventAgeNanos = function.config.maxEventAge().toNanos();
    }

    /**
     * Accepts an event and starts it if a slot is free.
     *
     * @return its request id
     * @throws ThrottledException with reason QUEUE_FULL when {@code maxQueuedEvents} are waiting
     */
    String accept(Object input, boolean destinationDelivery) {
        int limit = function.config.maxQueuedEvents();
        while (true) {
            int current = accepted.get();
            if (current >= limit) {
                throw function.throttled(ThrottledException.Reason.QUEUE_FULL, limit);
            }
            if (accepted.compareAndSet(current, current + 1)) {
                break;
            }
        }
        Event event = new Event(input, engine.clock.nanoTime(), destinationDelivery);
        pending.add(event);
        engine.pendingEvents.incrementAndGet();
        // Read after the add: a close that this read misses will find the event in pending.
        if (closed) { // a destination delivery, or a call that passed its checks as the queue closed
            end(event, Event.QUEUED, DestinationEvent.Condition.SHUTDOWN);
            return event.requestId();
        }
        TimeSource.Cancellable ageTimer = engine.clock.schedule(function.config.maxEventAge(), () -> expire(event));
        event.ageTimer = ageTimer;
        if (event.state() == Event.DONE) { // ended before the timer was stored: its finish could not cancel it
            ageTimer.cancel();
        }
        ready.offer(event);
        pump();
        return event.requestId();
    }

    int size() {
        return accepted.get();
    }

    boolean hasReady() {
        return !ready.isEmpty();
    }

    /** Entries in the FIFO, stale ones included: for tests. */
    public int entries() {
        return ready.size();
    }

    /**
     * Starts queued events while slots are granted. A slot taken for an entry that turns out stale (an
     * event that ended while it waited) serves the next entry; one left over is released the normal
     * way, so that an event that arrived meanwhile, here or in another queue, is not missed.
     */
    void pump() {
        boolean holding = false;
        try {
            while (!closed && !ready.isEmpty()) {
                if (!holding) {
                    if (!admit()) {
                        return;
                    }
                    holding = true;
                }
                Event event = ready.poll();
                if (event == null) {
                    break;
                }
                if (!event.move(Event.QUEUED, Event.RUNNING)) {
                    continue; // it ended while it waited (age, close): its entry is dropped here
                }
                if (closed) { // undeployed or closed since the loop's check: the slot may no longer be ours to use
                    end(event, Event.RUNNING, DestinationEvent.Condition.SHUTDOWN);
                    break;
                }
                long age = engine.clock.nanoTime() - event.acceptedNanos;
                if (age >= maxEventAgeNanos) {
                    end(event, Event.RUNNING, DestinationEvent.Condition.EVENT_AGE_EXCEEDED);
                    continue;
                }
                if (function.metrics != null) {
                    function.metrics.eventAge(age);
                }
                try {
                    function.startEvent(event, event.tries + 1);
                    holding = false; // the try owns the slot now
                } catch (RuntimeException | Error failure) {
                    // No thread could be had (the JVM is short of memory): the event waits for the next pump.
                    event.move(Event.RUNNING, Event.QUEUED);
                    ready.offer(event);
                    function.releaseSlotOnly();
                    holding = false;
                    log.error(
                            "faas: no thread could be started for event {} of '{}'; it stays queued",
                            event.requestId(),
                            function.name,
                            failure);
                    engine.capacityReleased();
                    return;
                }
            }
        } finally {
            if (holding) {
                function.releaseSlot();
            }
        }
    }

    /**
     * Takes a slot for the next event. When none is free the queue registers to be pumped on the next
     * release anywhere (the shared pool, memory and the heap guard are held by others), then tries
     * once more: a release between the failure and the registration is not missed.
     */
    private boolean admit() {
        if (function.tryAdmit()) {
            return true;
        }
        if (!function.canRun()) {
            return false; // a reservation of 0: its events wait for their age deadline
        }
        engine.waitForCapacity(this);
        return function.tryAdmit();
    }

    /** The outcome of one try, from the thread that settled it; the try owns the event (RUNNING). */
    void onOutcome(Event event, Invocation invocation) {
        event.tries = invocation.attempt();
        event.lastOutcome = invocation.outcome();
        if (invocation.outcome() == Outcome.SUCCESS) {
            event.lastOutput = invocation.output();
            event.lastErrorType = null;
            event.lastErrorMessage = null;
            end(event, Event.RUNNING, DestinationEvent.Condition.SUCCESS);
            return;
        }
        event.lastErrorType = invocation.errorType();
        event.lastErrorMessage = invocation.errorMessage();
        if (closed) {
            end(event, Event.RUNNING, DestinationEvent.Condition.SHUTDOWN);
        } else if (event.tries > function.config.maxRetryAttempts()) {
            end(event, Event.RUNNING, DestinationEvent.Condition.RETRIES_EXHAUSTED);
        } else if (event.aged || engine.clock.nanoTime() - event.acceptedNanos >= maxEventAgeNanos) {
            end(event, Event.RUNNING, DestinationEvent.Condition.EVENT_AGE_EXCEEDED);
        } else {
            Duration delay = function.config.retryDelay().multipliedBy(1L << (event.tries - 1));
            event.retryDueNanos = engine.clock.nanoTime() + delay.toNanos();
            event.move(Event.RUNNING, Event.RETRY_WAIT);
            TimeSource.Cancellable retryTimer = engine.clock.schedule(delay, new Retry(event));
            event.retryTimer = retryTimer;
            if (event.state() == Event.DONE) { // the age timer ended it before the timer was stored
                retryTimer.cancel();
            }
            // Read after the move: a close that the check above missed either sees RETRY_WAIT or is seen here.
            if (closed) {
                end(event, Event.RETRY_WAIT, DestinationEvent.Condition.SHUTDOWN);
            }
        }
    }

    /** A retry's timer task: a class, not a lambda, as this runs in a try's delivery (see route). */
    private final class Retry implements Runnable {
        private final Event event;

        Retry(Event event) {
            this.event = event;
        }

        @Override
        public void run() {
            retry(event);
        }
    }

    private void retry(Event event) {
        if (event.move(Event.RETRY_WAIT, Event.QUEUED)) {
            ready.offer(event);
            pump();
        }
    }

    /** The age timer: an event that waits (queued or between tries) when it comes due is done. */
    private void expire(Event event) {
        if (event.move(Event.QUEUED, Event.DONE)) {
            dropStaleEntries();
            finish(event, DestinationEvent.Condition.EVENT_AGE_EXCEEDED);
        } else if (!end(event, Event.RETRY_WAIT, DestinationEvent.Condition.EVENT_AGE_EXCEEDED)) {
            event.aged = true; // running: its try goes on, and it will be its last
        }
    }

    /**
     * An event that expires while queued leaves its entry in the FIFO, where the pump skips it; so
     * that a queue that never runs (a reservation of 0) does not fill with them, they are swept out
     * once they outnumber the events accepted: linear work at most as often as linear growth.
     */
    private void dropStaleEntries() {
        if (staleEntries.incrementAndGet() > Math.max(STALE_SWEEP_MIN, accepted.get())) {
            staleEntries.set(0);
            ready.removeIf(entry -> entry.state() == Event.DONE);
        }
    }

    /** Ends an event the caller can move from {@code from}; false if someone else moved it first. */
    private boolean end(Event event, int from, DestinationEvent.Condition condition) {
        if (event.move(from, Event.DONE)) {
            finish(event, condition);
            return true;
        }
        return false;
    }

    /**
     * The end of an event, by its owner: counted, timers cancelled, and routed. A success goes to
     * the onSuccess destination; a failure to the onFailure destination or, without one, to the
     * dead letters; a destination delivery that fails goes to the dead letters, never further.
     */
    private void finish(Event event, DestinationEvent.Condition condition) {
        cancel(event);
        pending.remove(event);
        accepted.decrementAndGet();
        engine.pendingEvents.decrementAndGet();
        if (condition != DestinationEvent.Condition.SUCCESS
                && condition != DestinationEvent.Condition.SHUTDOWN
                && function.metrics != null) {
            function.metrics.eventDropped();
        }
        // Nothing accepted is lost: a routing that fails (an OutOfMemoryError while a handler
        // exhausts the heap) is tried again until the memory comes back, at the cost of a letter
        // or a destination delivery that may then arrive twice.
        for (int attempt = 1; ; attempt++) {
            try {
                route(event, condition);
                return;
            } catch (Throwable failure) {
                if (attempt == ROUTING_ATTEMPTS) {
                    Failures.survived(
                            "routing event " + event.requestId() + " of '" + function.name + "' (" + condition
                                    + ", given up after " + attempt + " attempts)",
                            failure);
                    return;
                }
                LockSupport.parkNanos(ROUTING_PAUSE_NANOS);
            }
        }
    }

    /** Hands an ended event on. No lambdas here: a call site that first links during an OutOfMemoryError is broken for good. */
    private void route(Event event, DestinationEvent.Condition condition) {
        if (condition == DestinationEvent.Condition.SHUTDOWN) {
            engine.leftOver(event.toDestinationEvent(function.name, condition, engine.clock.now()), function.metrics);
            return;
        }
        boolean failed = condition != DestinationEvent.Condition.SUCCESS;
        DestinationEvent outcome = event.toDestinationEvent(function.name, condition, engine.clock.now());
        if (event.destinationDelivery) {
            if (failed) {
                engine.deadLetter(outcome, function.metrics, "the destination '" + function.name + "' failed it");
            }
            return;
        }
        Optional<String> destination = failed ? function.config.onFailure() : function.config.onSuccess();
        if (destination.isPresent()) {
            deliverTo(destination.get(), outcome);
        } else if (failed) {
            engine.deadLetter(outcome, function.metrics, null);
        }
    }

    private void deliverTo(String destination, DestinationEvent outcome) {
        Deployment target = engine.deployed(destination);
        if (target == null) {
            engine.deadLetter(outcome, function.metrics, "its destination '" + destination + "' is not deployed");
            return;
        }
        try {
            target.checkInput(outcome); // a destination redeployed with another input type
            target.events.accept(outcome, true);
            engine.announce(outcome);
        } catch (FaasException refused) {
            engine.deadLetter(
                    outcome,
                    function.metrics,
                    "its destination '" + destination + "' refused it: " + refused.getMessage());
        }
    }

    private static void cancel(Event event) {
        if (event.ageTimer != null) {
            event.ageTimer.cancel();
        }
        if (event.retryTimer != null) {
            event.retryTimer.cancel();
        }
    }

    /**
     * Whether the drain on close must still wait for this queue: an event is running, or queued for a
     * function that can run it, or a retry comes due before the deadline on the runtime's clock. A clock that only moves
     * when told (a manual clock) never brings a retry due by itself.
     */
    public boolean blocksDrain(long clockDeadlineNanos, boolean clockMoves) {
        for (Event event : pending) {
            int state = event.state();
            if (state == Event.RUNNING || (state == Event.QUEUED && function.canRun())) {
                return true;
            }
            if (state == Event.RETRY_WAIT && clockMoves && event.retryDueNanos - clockDeadlineNanos <= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Stops dispatching and ends every event still waiting (queued or between tries) with condition
     * SHUTDOWN; running tries end that way when they finish. Called once the drain is over.
     */
    public void close() {
        closed = true;
        for (Event event : new ArrayList<>(pending)) {
            endWaiting(event);
        }
        ready.clear();
    }

    /**
     * Ends an event that waits, queued or between tries, with condition SHUTDOWN, reading its state
     * again when it moves meanwhile: a retry that comes due moves it from one to the other, and an
     * attempt on each state in turn could miss it between the two. A running try ends on its own,
     * and sees the queue closed.
     */
    private void endWaiting(Event event) {
        while (true) {
            int state = event.state();
            if (state != Event.QUEUED && state != Event.RETRY_WAIT) {
                return;
            }
            if (end(event, state, DestinationEvent.Condition.SHUTDOWN)) {
                return;
            }
        }
    }

    /** An undeploy: the function can no longer run its events; they are handed back like at close. */
    void undeploy() {
        int waiting = pending.size();
        close();
        if (waiting > 0) {
            log.warn(
                    "faas: function '{}' was undeployed with {} EVENT invocations not done; those waiting are handed"
                            + " back with condition SHUTDOWN, those running end when their tries do",
                    function.name,
                    waiting);
        }
    }
}
