package dev.faas.triggers.schedule;

import java.time.Duration;
import java.time.LocalDateTime;

/** What an expression fires on: a period, a cron's fields, or one wall-clock time. */
sealed interface Recurrence permits Recurrence.Rate, Recurrence.At, CronRecurrence {

    /** {@code rate(...)}: every period, counted from the last scheduled run. */
    record Rate(Duration period) implements Recurrence {}

    /** {@code at(...)}: once, at a wall-clock time. */
    record At(LocalDateTime time) implements Recurrence {}
}
