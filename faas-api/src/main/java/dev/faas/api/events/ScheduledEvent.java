package dev.faas.api.events;

import java.time.Instant;
import java.util.Objects;

/**
 * A schedule's tick, as a schedule trigger delivers it.
 *
 * @param schedule the schedule's name
 * @param scheduledTime when the tick was due
 * @param time when it was delivered (late by how long the schedule trigger waited)
 */
public record ScheduledEvent(String schedule, Instant scheduledTime, Instant time) {

    /** Checks that no component is null. */
    public ScheduledEvent {
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(scheduledTime, "scheduledTime");
        Objects.requireNonNull(time, "time");
    }
}
