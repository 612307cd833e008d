package dev.faas.api.events;

import java.time.Instant;
import java.util.Objects;

/**
 * A schedule's tick, as a schedule trigger delivers it to a function that takes no fixed input.
 *
 * @param schedule the schedule's name
 * @param scheduledTime when the tick was due, by the schedule's expression (before any flexible window)
 * @param time when it was delivered
 * @param target the function it was delivered to
 */
public record ScheduledEvent(String schedule, Instant scheduledTime, Instant time, String target) {

    /** Checks that no component is null. */
    public ScheduledEvent {
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(scheduledTime, "scheduledTime");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(target, "target");
    }
}
