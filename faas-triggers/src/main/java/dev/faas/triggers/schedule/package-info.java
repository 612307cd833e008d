/**
 * The schedule trigger: functions fired on EventBridge Scheduler's {@code rate}, {@code cron} and
 * {@code at} schedules, on the runtime's clock. Build {@link dev.faas.triggers.schedule.Schedule}s,
 * put them in a {@link dev.faas.triggers.schedule.ScheduleTrigger}, and add it to the runtime;
 * {@link dev.faas.triggers.schedule.ScheduleExpression} says what an expression means on its own.
 */
package dev.faas.triggers.schedule;
