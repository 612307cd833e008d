package dev.faas.triggers.schedule;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One schedule of a {@link ScheduleTrigger}: a name, an expression, the function it invokes, and
 * how, as EventBridge Scheduler's schedules have them. A record that checks every setting as it is
 * made; built with {@link #builder(String, String, String)} (or {@link #toBuilder()} from another).
 *
 * <ul>
 *   <li>Input: a fixed payload, or else a {@link dev.faas.api.events.ScheduledEvent} (the schedule,
 *       the scheduled time, the time of delivery, the target function).
 *   <li>Delivery: an EVENT invocation (default: the function's retries, event age and destinations
 *       apply), or a synchronous one ({@link Builder#synchronous(boolean)}), whose failure is logged
 *       and counted and not retried.
 *   <li>Zone: the IANA zone whose wall-clock time cron and at expressions name; UTC by default.
 *   <li>Start and end, instants in UTC: nothing fires before the start or at or after the end
 *       (ignored for {@code at}). A rate fires one period after its start, or one period after the
 *       trigger starts when it has none, and every period from there: {@code rate(1 day)} counts 24
 *       hours from the last scheduled run, whatever the clocks do.
 *   <li>Flexible window: off, or 1 to 1,440 whole minutes; each fire then comes at a point spread
 *       uniformly inside the window after its scheduled time, drawn from the schedule's seed and the
 *       scheduled time alone, so that a run is reproducible.
 *   <li>Missed fires: a fire more than {@link Builder#missedAfter(Duration) missedAfter} (one minute)
 *       late, because the host paused or its clock jumped, is missed (a fire is never counted late
 *       for waiting on the one before it, which a flexible window can make it do); with
 *       {@link MissedFires#FIRE_ONCE} (the default) the missed run fires once, for the latest of its
 *       scheduled times, with {@link MissedFires#SKIP} not at all; either way the schedule goes on
 *       from the next time after now.
 * </ul>
 */
public record Schedule(
        String name,
        ScheduleExpression expression,
        String function,
        Optional<Object> input,
        ZoneId zone,
        Optional<Instant> start,
        Optional<Instant> end,
        Duration flexibleWindow,
        long seed,
        boolean enabled,
        boolean synchronous,
        MissedFires missedFires,
        Duration missedAfter) {

    /** What a schedule does with fires it missed (the host paused, or the clock jumped past them). */
    public enum MissedFires {
        /** The missed fires become one, for the latest of their scheduled times, delivered at once. */
        FIRE_ONCE,
        /** The missed fires are counted and dropped; the schedule goes on from the next time. */
        SKIP
    }

    /** The longest flexible window: 1,440 minutes (a day), as EventBridge Scheduler allows. */
    public static final Duration MAX_FLEXIBLE_WINDOW = Duration.ofDays(1);
    /** How late a fire may be before it counts as missed, unless a schedule says otherwise: one minute. */
    public static final Duration DEFAULT_MISSED_AFTER = Duration.ofMinutes(1);
    /** The least a schedule's missedAfter may be: a real clock's timer fires a little late. */
    public static final Duration MIN_MISSED_AFTER = Duration.ofSeconds(1);

    private static final Pattern NAME = Pattern.compile("[0-9A-Za-z_.-]{1,64}");

    /**
     * Checks every setting, each against the others too.
     *
     * @throws InvalidScheduleException naming the setting at fault
     */
    public Schedule {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidScheduleException(
                    "name",
                    String.valueOf(name),
                    "a schedule's name is 1 to 64 letters, digits, '-', '_' or '.', but was " + name);
        }
        Objects.requireNonNull(expression, "expression");
        if (function == null || function.isBlank()) {
            throw new InvalidScheduleException(
                    "function",
                    String.valueOf(function),
                    "schedule '" + name + "' needs the name of the function it invokes");
        }
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        Objects.requireNonNull(flexibleWindow, "flexibleWindow");
        Objects.requireNonNull(missedFires, "missedFires");
        Objects.requireNonNull(missedAfter, "missedAfter");
        if (!flexibleWindow.isZero()
                && (flexibleWindow.compareTo(Duration.ofMinutes(1)) < 0
                        || flexibleWindow.compareTo(MAX_FLEXIBLE_WINDOW) > 0
                        || !flexibleWindow.equals(Duration.ofMinutes(flexibleWindow.toMinutes())))) {
            throw new InvalidScheduleException(
                    "flexibleWindow",
                    flexibleWindow.toString(),
                    "schedule '" + name + "': the flexible window is zero (off) or 1 to 1440 whole minutes, but was "
                            + flexibleWindow);
        }
        if (missedAfter.compareTo(MIN_MISSED_AFTER) < 0) {
            throw new InvalidScheduleException(
                    "missedAfter",
                    missedAfter.toString(),
                    "schedule '" + name + "': missedAfter is at least 1 s, but was " + missedAfter);
        }
        if (start.isPresent() && end.isPresent() && !end.get().isAfter(start.get())) {
            throw new InvalidScheduleException(
                    "end",
                    end.get().toString(),
                    "schedule '" + name + "': the end must be after the start (" + start.get() + "), but was "
                            + end.get());
        }
        if (expression.recurrence() instanceof Recurrence.Rate(Duration rate) && flexibleWindow.compareTo(rate) > 0) {
            throw new InvalidScheduleException(
                    "flexibleWindow",
                    flexibleWindow.toString(),
                    "schedule '" + name + "': the flexible window (" + flexibleWindow + ") is longer than the rate's"
                            + " period (" + expression + "): fires would overtake each other");
        }
        if (expression.recurrence() instanceof Recurrence.At(LocalDateTime at)
                && ScheduleExpression.firstInstant(at, zone) == null) {
            throw new InvalidScheduleException(
                    "at",
                    at.toString(),
                    "schedule '" + name + "': " + expression + " does not exist in " + zone
                            + ": the clocks skip that hour; give a time outside it");
        }
    }

    /**
     * Starts a schedule.
     *
     * @param name 1 to 64 letters, digits, {@code - _ .}; unique within its trigger
     * @param expression {@code rate(...)}, {@code cron(...)} or {@code at(...)}: see {@link ScheduleExpression}
     * @param function the function it invokes
     * @return a builder
     * @throws InvalidScheduleException if the expression is not valid
     */
    public static Builder builder(String name, String expression, String function) {
        return new Builder(name, ScheduleExpression.parse(expression), function);
    }

    /** A builder that starts from this schedule's settings. */
    public Builder toBuilder() {
        Builder builder = new Builder(name, expression, function);
        builder.input = input.orElse(null);
        builder.zone = zone;
        builder.start = start.orElse(null);
        builder.end = end.orElse(null);
        builder.flexibleWindow = flexibleWindow;
        builder.seed = seed;
        builder.enabled = enabled;
        builder.synchronous = synchronous;
        builder.missedFires = missedFires;
        builder.missedAfter = missedAfter;
        return builder;
    }

    /**
     * The scheduled times after {@code after}, strictly, ascending, at most {@code count}: the
     * expression's, within the start and end (see the class comment for where a rate counts from).
     * The flexible window is not applied: see {@link #fireTime(Instant)}.
     *
     * @param after the instant to look from
     * @param count how many, 0 or more
     * @return the scheduled times
     */
    public List<Instant> nextFireTimes(Instant after, int count) {
        Objects.requireNonNull(after, "after");
        if (expression.isOneTime()) {
            return expression.nextFireTimes(after, zone, count);
        }
        List<Instant> times;
        Instant start = this.start.orElse(null);
        Instant end = this.end.orElse(null);
        if (expression.recurrence() instanceof Recurrence.Rate(Duration rate) && start != null) {
            // start + k * rate, k >= 1: the first of them after `after`
            Instant first = start.plus(rate);
            if (!after.isBefore(first)) {
                long periods = Duration.between(first, after).dividedBy(rate) + 1;
                first = first.plus(rate.multipliedBy(periods));
            }
            times = expression.nextFireTimes(first.minus(rate), zone, count);
        } else {
            Instant from = start != null && start.isAfter(after) ? start.minusNanos(1) : after;
            times = expression.nextFireTimes(from, zone, count);
        }
        if (end == null) {
            return times;
        }
        List<Instant> beforeEnd = new ArrayList<>(times.size());
        for (Instant time : times) {
            if (!time.isBefore(end)) {
                break;
            }
            beforeEnd.add(time);
        }
        return List.copyOf(beforeEnd);
    }

    /** The first scheduled time after {@code after}, or null when the schedule fires no more. */
    @Nullable
    Instant nextFireTime(Instant after) {
        List<Instant> next = nextFireTimes(after, 1);
        return next.isEmpty() ? null : next.get(0);
    }

    /**
     * When a fire scheduled for {@code scheduled} comes: that time, or with a flexible window a point
     * inside the window, the same for the same seed and scheduled time.
     *
     * @param scheduled a scheduled time
     * @return the fire time
     */
    public Instant fireTime(Instant scheduled) {
        if (flexibleWindow.isZero()) {
            return scheduled;
        }
        long mixed = seed * 0x9E3779B97F4A7C15L + scheduled.getEpochSecond();
        return scheduled.plusMillis(new SplittableRandom(mixed).nextLong(flexibleWindow.toMillis()));
    }

    @Override
    public String toString() {
        return "schedule '" + name + "' (" + expression + (zone.equals(ZoneOffset.UTC) ? "" : " in " + zone)
                + ") of function '" + function + "'";
    }

    /**
     * Collects a {@link Schedule}'s settings; {@link #build()} checks them. Each default is the one
     * its setter names.
     */
    public static final class Builder {
        private final String name;
        private final ScheduleExpression expression;
        private final String function;
        private @Nullable Object input;
        private ZoneId zone = ZoneOffset.UTC;
        private @Nullable Instant start;
        private @Nullable Instant end;
        private Duration flexibleWindow = Duration.ZERO;
        private @Nullable Long seed;
        private boolean enabled = true;
        private boolean synchronous;
        private MissedFires missedFires = MissedFires.FIRE_ONCE;
        private Duration missedAfter = DEFAULT_MISSED_AFTER;

        private Builder(String name, ScheduleExpression expression, String function) {
            this.name = name;
            this.expression = expression;
            this.function = function;
        }

        /**
         * A fixed input for every fire, checked against the function's input type when the trigger
         * starts. Default: none, and a {@link dev.faas.api.events.ScheduledEvent} each fire.
         *
         * @param input the payload
         * @return this builder
         */
        public Builder input(Object input) {
            this.input = Objects.requireNonNull(input, "input: leave it unset for a ScheduledEvent each fire");
            return this;
        }

        /**
         * The zone whose wall-clock time cron and at expressions name. Default UTC.
         *
         * @param zone an IANA zone id, such as {@code Europe/Berlin}
         * @return this builder
         * @throws InvalidScheduleException if the zone is unknown
         */
        public Builder zone(String zone) {
            try {
                return zone(ZoneId.of(Objects.requireNonNull(zone, "zone")));
            } catch (DateTimeException unknown) {
                throw new InvalidScheduleException(
                        "zone",
                        zone,
                        "schedule '" + name + "': zone must be an IANA time zone such as Europe/Berlin or"
                                + " America/New_York, but was " + zone + " (" + unknown.getMessage() + ")");
            }
        }

        /**
         * The zone whose wall-clock time cron and at expressions name. Default UTC.
         *
         * @param zone the zone
         * @return this builder
         */
        public Builder zone(ZoneId zone) {
            this.zone = Objects.requireNonNull(zone, "zone");
            return this;
        }

        /**
         * Nothing fires before this instant; a rate counts its periods from it. Default none. Ignored for at.
         *
         * @param start an instant
         * @return this builder
         */
        public Builder start(Instant start) {
            this.start = Objects.requireNonNull(start, "start");
            return this;
        }

        /**
         * Nothing fires at or after this instant. Default none. Ignored for at.
         *
         * @param end an instant after the start
         * @return this builder
         */
        public Builder end(Instant end) {
            this.end = Objects.requireNonNull(end, "end");
            return this;
        }

        /**
         * Spreads each fire uniformly over this window after its scheduled time. Default zero: off.
         *
         * @param window zero, or 1 to 1,440 whole minutes (for a rate, no longer than its period)
         * @return this builder
         */
        public Builder flexibleWindow(Duration window) {
            this.flexibleWindow = Objects.requireNonNull(window, "window");
            return this;
        }

        /**
         * The seed of the flexible window's draws. Default: the name's hash code.
         *
         * @param seed any value
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Whether the schedule fires at all. Default true.
         *
         * @param enabled false to keep the schedule but fire nothing
         * @return this builder
         */
        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        /**
         * Whether each fire is a synchronous invocation (its failure logged and counted, not
         * retried) rather than an EVENT one. Default false.
         *
         * @param synchronous true for synchronous fires
         * @return this builder
         */
        public Builder synchronous(boolean synchronous) {
            this.synchronous = synchronous;
            return this;
        }

        /**
         * What to do with fires missed while the host paused or its clock jumped. Default
         * {@link MissedFires#FIRE_ONCE}.
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder missedFires(MissedFires policy) {
            this.missedFires = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * How late a fire may come before it counts as missed. Default {@link #DEFAULT_MISSED_AFTER}.
         *
         * @param lateness 1 s or more
         * @return this builder
         */
        public Builder missedAfter(Duration lateness) {
            this.missedAfter = Objects.requireNonNull(lateness, "lateness");
            return this;
        }

        /**
         * Builds the schedule.
         *
         * @return the schedule
         * @throws InvalidScheduleException naming the setting at fault
         */
        public Schedule build() {
            return new Schedule(
                    name,
                    expression,
                    function,
                    Optional.ofNullable(input),
                    zone,
                    Optional.ofNullable(start),
                    Optional.ofNullable(end),
                    flexibleWindow,
                    seed == null ? name.hashCode() : seed,
                    enabled,
                    synchronous,
                    missedFires,
                    missedAfter);
        }
    }
}
