package dev.faas.core.internal.async;

import dev.faas.api.DestinationEvent;
import dev.faas.api.Outcome;
import dev.faas.api.TimeSource;
import dev.faas.core.internal.util.RequestIds;
import dev.faas.core.internal.util.VarHandles;
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
public final class Event {

    public static final int QUEUED = 0;
    public static final int RUNNING = 1;
    public static final int RETRY_WAIT = 2;
    public static final int DONE = 3;

    private static final VarHandle STATE = VarHandles.field(MethodHandles.lookup(), "state", int.class);

    public final Object input;
    public final long idHigh;
    public final long idLow;
    /** When it was accepted, on the runtime's clock: its age counts from here, across tries. */
    public final long acceptedNanos;
    /** A DestinationEvent on its way to a destination: if it fails, it goes to the dead letters. */
    public final boolean destinationDelivery;

    private volatile int state = QUEUED;
    /** Set when the age deadline passes while a try runs: that try is its last. */
    public volatile boolean aged;

    // Written by the thread that owns the event's current move, read after the next one.
    public int tries;
    public long retryDueNanos;
    // Stored after the timer is armed, while another thread may end the event: volatile, and the
    // storing thread cancels the timer itself if the event ended meanwhile.
    public volatile TimeSource.Cancellable ageTimer;
    public volatile TimeSource.Cancellable retryTimer;
    public Outcome lastOutcome;
    public Object lastOutput;
    public String lastErrorType;
    public String lastErrorMessage;

    public Event(Object input, long acceptedNanos, boolean destinationDelivery) {
        this.input = input;
        this.idHigh = RequestIds.high();
        this.idLow = RequestIds.low();
        this.acceptedNanos = acceptedNanos;
        this.destinationDelivery = destinationDelivery;
    }

    public String requestId() {
        return RequestIds.format(idHigh, idLow);
    }

    public boolean move(int from, int to) {
        return STATE.compareAndSet(this, from, to);
    }

    public int state() {
        return state;
    }

    /** The event as a destination or the dead-letter store receives it. */
    public DestinationEvent toDestinationEvent(String function, DestinationEvent.Condition condition, Instant now) {
        return new DestinationEvent(
                requestId(),
                function,
                condition,
                tries,
                input,
                condition == DestinationEvent.Condition.SUCCESS ? Optional.ofNullable(lastOutput) : Optional.empty(),
                Optional.ofNullable(lastErrorType),
                Optional.ofNullable(lastErrorMessage),
                now);
    }
}
