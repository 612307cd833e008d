package dev.faas.core;

import dev.faas.api.DestinationEvent;
import dev.faas.api.Outcome;
import dev.faas.api.TimeSource;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.Optional;

/**
 * One accepted EVENT invocation, across its tries. Its state moves QUEUED -> RUNNING, then either
 * DONE or RETRY_WAIT -> QUEUED again; the age timer or a close may move QUEUED or RETRY_WAIT to
 * DONE instead. Every move is a compare-and-set, so a dispatch, a retry timer, the age timer and a
 * close never take the same event twice, and whoever moves it to DONE finishes it, once. The event keeps its request id across tries.
 */
final class Event {

    static final int QUEUED = 0;
    static final int RUNNING = 1;
    static final int RETRY_WAIT = 2;
    static final int DONE = 3;

    private static final VarHandle STATE = VarHandles.field(MethodHandles.lookup(), "state", int.class);


    final Object input;
    final long idHigh;
    final long idLow;
    /** When it was accepted, on the runtime's clock: its age counts from here, across tries. */
    final long acceptedNanos;
    /** A DestinationEvent on its way to a destination: if it fails, it goes to the dead letters. */
    final boolean destinationDelivery;
    private volatile int state = QUEUED;
    /** Set when the age deadline passes while a try runs: that try is its last. */
    volatile boolean aged;

    // Written by the thread that owns the event's current move, read after the next one.
    int tries;
    long retryDueNanos;
    // Stored after the timer is armed, while another thread may end the event: volatile, and the
    // storing thread cancels the timer itself if the event ended meanwhile.
    volatile TimeSource.Cancellable ageTimer;
    volatile TimeSource.Cancellable retryTimer;
    Outcome lastOutcome;
    Object lastOutput;
    String lastErrorType;
    String lastErrorMessage;

    Event(Object input, long acceptedNanos, boolean destinationDelivery) {
        this.input = input;
        this.idHigh = RequestIds.high();
        this.idLow = RequestIds.low();
        this.acceptedNanos = acceptedNanos;
        this.destinationDelivery = destinationDelivery;
    }

    String requestId() {
        return RequestIds.format(idHigh, idLow);
    }

    boolean move(int from, int to) {
        return STATE.compareAndSet(this, from, to);
    }

    int state() {
        return state;
    }

    /** The event as a destination or the dead-letter store receives it. */
    DestinationEvent toDestinationEvent(String function, DestinationEvent.Condition condition, Instant now) {
        return new DestinationEvent(requestId(), function, condition, tries, input,
                condition == DestinationEvent.Condition.SUCCESS ? Optional.ofNullable(lastOutput) : Optional.empty(),
                Optional.ofNullable(lastErrorType), Optional.ofNullable(lastErrorMessage), now);
    }
}
