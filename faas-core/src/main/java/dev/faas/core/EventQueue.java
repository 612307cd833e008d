package dev.faas.core;

import dev.faas.api.DestinationEvent;
import dev.faas.api.FaasException;
import dev.faas.api.Outcome;
import dev.faas.api.ThrottledException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
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
final class EventQueue {

    private static final Logger log = LoggerFactory.getLogger(FaasRuntime.class);

    private final Deployment function;
    private final Engine engine;
    private final ConcurrentLinkedQueue<Event> ready = new ConcurrentLinkedQueue<>();
    private final Set<Event> pending = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
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
        if (closed) { // only a destination delivery gets here once closed: it is left over at once
            event.markDone();
            finish(event, DestinationEvent.Condition.SHUTDOWN);
            return event.requestId();
        }
        event.ageTimer = engine.clock.schedule(function.config.maxEventAge(), () -> expire(event));
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

    /** Starts queued events while slots are granted. */
    void pump() {
        while (!closed && !ready.isEmpty()) {
            if (!admit()) {
                return;
            }
            Event event = ready.poll();
            if (event == null || !event.move(Event.QUEUED, Event.RUNNING)) {
                function.releaseSlotOnly();
                continue; // another pump took it, or it expired meanwhile
            }
            long age = engine.clock.nanoTime() - event.acceptedNanos;
            if (age >= maxEventAgeNanos) {
                function.releaseSlotOnly();
                finish(event, DestinationEvent.Condition.EVENT_AGE_EXCEEDED);
                continue;
            }
            if (function.metrics != null) {
                function.metrics.eventAge(age);
            }
            try {
                function.startEvent(event, event.tries + 1);
            } catch (RuntimeException | Error failure) {
                // No thread could be had (the JVM is short of memory): give the event back.
                function.releaseSlotOnly();
                event.move(Event.RUNNING, Event.QUEUED);
                ready.offer(event);
                throw failure;
            }
        }
    }

    /**
     * Takes a slot for the next event. When the capacity it waits for is held by others (the shared
     * pool, the memory capacity), the queue registers to be pumped on their next release, then tries
     * once more: a release between the failure and the registration is not missed.
     */
    private boolean admit() {
        if (function.tryAdmit()) {
            return true;
        }
        if (!function.waitsOnOthers()) {
            return false; // its own reservation: its own releases pump it
        }
        engine.waitForCapacity(this);
        return function.tryAdmit();
    }

    /** The outcome of one try, from the thread that settled it. */
    void onOutcome(Event event, Invocation invocation) {
        event.tries = invocation.attempt();
        event.lastOutcome = invocation.outcome();
        if (invocation.outcome() == Outcome.SUCCESS) {
            event.lastOutput = invocation.output();
            event.lastErrorType = null;
            event.lastErrorMessage = null;
            finish(event, DestinationEvent.Condition.SUCCESS);
            return;
        }
        event.lastErrorType = invocation.errorTypeName();
        event.lastErrorMessage = invocation.errorMessage();
        if (closed) {
            finish(event, DestinationEvent.Condition.SHUTDOWN);
        } else if (event.tries > function.config.maxRetryAttempts()) {
            finish(event, DestinationEvent.Condition.RETRIES_EXHAUSTED);
        } else if (event.aged || engine.clock.nanoTime() - event.acceptedNanos >= maxEventAgeNanos) {
            finish(event, DestinationEvent.Condition.EVENT_AGE_EXCEEDED);
        } else {
            Duration delay = function.config.retryDelay().multipliedBy(1L << (event.tries - 1));
            event.retryDueNanos = engine.clock.nanoTime() + delay.toNanos();
            event.move(Event.RUNNING, Event.RETRY_WAIT);
            event.retryTimer = engine.clock.schedule(delay, () -> retry(event));
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
            ready.remove(event);
            finish(event, DestinationEvent.Condition.EVENT_AGE_EXCEEDED);
        } else if (event.move(Event.RETRY_WAIT, Event.DONE)) {
            finish(event, DestinationEvent.Condition.EVENT_AGE_EXCEEDED);
        } else {
            event.aged = true; // running: its try goes on, and it will be its last
        }
    }

    /**
     * The end of an event, by its owner: counted, timers cancelled, and routed. A success goes to
     * the onSuccess destination; a failure to the onFailure destination or, without one, to the
     * dead letters; a destination delivery that fails goes to the dead letters, never further.
     */
    private void finish(Event event, DestinationEvent.Condition condition) {
        event.markDone();
        cancel(event);
        pending.remove(event);
        accepted.decrementAndGet();
        engine.pendingEvents.decrementAndGet();
        if (condition == DestinationEvent.Condition.SHUTDOWN) {
            engine.leftOver(event.toDestinationEvent(function.name, condition, engine.clock.now()));
            return;
        }
        boolean failed = condition != DestinationEvent.Condition.SUCCESS;
        if (failed && function.metrics != null) {
            function.metrics.eventDropped();
        }
        DestinationEvent outcome = event.toDestinationEvent(function.name, condition, engine.clock.now());
        if (event.destinationDelivery) {
            if (failed) {
                engine.deadLetter(outcome, function.metrics, "the destination '" + function.name + "' failed it");
            }
            return;
        }
        (failed ? function.config.onFailure() : function.config.onSuccess()).ifPresentOrElse(
                destination -> deliverTo(destination, outcome),
                () -> {
                    if (failed) {
                        engine.deadLetter(outcome, function.metrics, null);
                    }
                });
    }

    private void deliverTo(String destination, DestinationEvent outcome) {
        Deployment target = engine.deployed(destination);
        if (target == null) {
            engine.deadLetter(outcome, function.metrics, "its destination '" + destination + "' is not deployed");
            return;
        }
        try {
            target.events.accept(outcome, true);
            engine.announce(outcome);
        } catch (FaasException refused) {
            engine.deadLetter(outcome, function.metrics, "its destination '" + destination + "' refused it: "
                    + refused.getMessage());
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
    boolean blocksDrain(long clockDeadlineNanos, boolean clockMoves) {
        for (Event event : pending) {
            int state = event.state();
            if (state == Event.RUNNING || state == Event.QUEUED && function.canRun()) {
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
    void close() {
        closed = true;
        List<Event> left = new ArrayList<>(pending);
        for (Event event : left) {
            if (event.move(Event.QUEUED, Event.DONE) || event.move(Event.RETRY_WAIT, Event.DONE)) {
                ready.remove(event);
                finish(event, DestinationEvent.Condition.SHUTDOWN);
            }
        }
    }

    /** An undeploy: the function can no longer run its events; they are handed back like at close. */
    void undeploy() {
        int waiting = pending.size();
        close();
        if (waiting > 0) {
            log.warn("faas: function '{}' was undeployed with {} EVENT invocations not done; those waiting are handed"
                    + " back with condition SHUTDOWN, those running end when their tries do", function.name, waiting);
        }
    }
}
