package dev.faas.core.internal.engine;

import dev.faas.api.TimeSource;
import java.time.Instant;

/**
 * The wall-clock instants of readings of the runtime's monotonic clock, without reading the wall
 * clock each time: an invocation reads {@link TimeSource#nanoTime()} once as it starts, and its start
 * instant is derived from an anchor, a pair of readings of both clocks that is renewed once it is
 * 100 ms old. On the system clock the two drift apart by microseconds over that time (a step of
 * the wall clock shows within 100 ms); on a manual clock they move together, so the instants are
 * exact. Saves a wall-clock reading and an Instant per call.
 */
final class WallClock {

    private static final long RENEW_NANOS = 100_000_000;
    private static final long NANOS_PER_SECOND = 1_000_000_000;

    private final TimeSource clock;
    private volatile Anchor anchor;

    WallClock(TimeSource clock) {
        this.clock = clock;
        this.anchor = newAnchor();
    }

    /** An anchor for instants near {@code nanoTime}: the current one, or a new one when it is old. */
    Anchor anchorFor(long nanoTime) {
        Anchor current = anchor;
        long age = nanoTime - current.nanoTime;
        if (age >= RENEW_NANOS || age <= -RENEW_NANOS) {
            current = newAnchor();
            anchor = current; // a race keeps either of two fresh anchors
        }
        return current;
    }

    private Anchor newAnchor() {
        long nanoTime = clock.nanoTime();
        Instant now = clock.now();
        return new Anchor(nanoTime, now.getEpochSecond(), now.getNano());
    }

    /** The wall-clock instant {@code epochSecond} + {@code nano} that the monotonic reading {@code nanoTime} was. */
    record Anchor(long nanoTime, long epochSecond, int nano) {

        long epochSecondAt(long at) {
            return epochSecond + Math.floorDiv(nano + (at - nanoTime), NANOS_PER_SECOND);
        }

        int nanoAt(long at) {
            return (int) Math.floorMod(nano + (at - nanoTime), NANOS_PER_SECOND);
        }

        Instant instantAt(long at) {
            return Instant.ofEpochSecond(epochSecondAt(at), nanoAt(at));
        }
    }
}
