package dev.faas.triggers.schedule;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * When a schedule fires, in EventBridge Scheduler's language:
 *
 * <ul>
 *   <li>{@code rate(value unit)}: every {@code value} minutes, hours or days ({@code minute},
 *       {@code hour}, {@code day} for a value of 1; {@code minutes}, {@code hours}, {@code days}
 *       otherwise); a day is 24 hours;
 *   <li>{@code cron(minutes hours day-of-month month day-of-week year)}: AWS's six fields, with
 *       {@code * , - /} in each, {@code ?} in exactly one of the two day fields, {@code L} and
 *       {@code W} in day-of-month, {@code L} and {@code #} in day-of-week (1 is Sunday), month and day
 *       names, years 1970-2199; read in wall-clock time;
 *   <li>{@code at(yyyy-mm-ddThh:mm:ss)}: once, at that wall-clock time.
 * </ul>
 *
 * <p>Wall-clock times follow the zone across daylight-saving changes as EventBridge Scheduler does:
 * a time that does not exist (the hour clocks skip) is skipped, and a time that comes twice (the hour
 * clocks repeat) fires once, at its first occurrence, the one before the clocks go back.
 *
 * <p>Immutable and thread-safe; two expressions are equal when their text is.
 */
public final class ScheduleExpression {

    private static final Pattern FORM = Pattern.compile("(rate|cron|at)\\((.*)\\)", Pattern.DOTALL);
    private static final Pattern RATE = Pattern.compile("\\s*(\\S+)\\s+(\\S+)\\s*");
    private static final Pattern AT = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}");
    private static final DateTimeFormatter AT_FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withResolverStyle(ResolverStyle.STRICT);
    private static final String EXAMPLES = "rate(5 minutes), cron(0 9 ? * MON-FRI *) or at(2027-01-01T09:00:00)";

    private final String text;
    private final Recurrence recurrence;

    private ScheduleExpression(String text, Recurrence recurrence) {
        this.text = text;
        this.recurrence = recurrence;
    }

    /**
     * Parses a {@code rate(...)}, {@code cron(...)} or {@code at(...)} expression.
     *
     * @param expression the expression
     * @return the parsed expression
     * @throws InvalidScheduleException (an {@link IllegalArgumentException}) naming the field at
     *     fault and the offending text
     */
    public static ScheduleExpression parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new InvalidScheduleException(
                    "expression", String.valueOf(expression), "a schedule expression is required, such as " + EXAMPLES);
        }
        Matcher form = FORM.matcher(expression);
        if (!form.matches()) {
            throw new InvalidScheduleException(
                    "expression",
                    expression,
                    "a schedule expression is rate(value unit), cron(six fields) or at(yyyy-mm-ddThh:mm:ss), such as "
                            + EXAMPLES + ", but was " + expression);
        }
        String inner = form.group(2);
        return switch (form.group(1)) {
            case "rate" -> new ScheduleExpression(expression, new Recurrence.Rate(rate(inner)));
            case "cron" -> new ScheduleExpression(expression, CronRecurrence.parse(inner));
            default -> new ScheduleExpression(expression, new Recurrence.At(at(inner)));
        };
    }

    private static Duration rate(String inner) {
        Matcher parts = RATE.matcher(inner);
        if (!parts.matches()) {
            throw new InvalidScheduleException(
                    "rate", inner, "rate takes a value and a unit, as in rate(5 minutes), but was rate(" + inner + ")");
        }
        String value = parts.group(1);
        String unit = parts.group(2);
        if (value.isEmpty() || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidScheduleException(
                    "rate value", value, "rate value must be a whole number of 1 or more, but was " + value);
        }
        long amount;
        try {
            amount = Long.parseLong(value);
        } catch (NumberFormatException tooManyDigits) {
            throw tooLarge(value, inner);
        }
        if (amount < 1) {
            throw new InvalidScheduleException(
                    "rate value", value, "rate value must be 1 or more, as in rate(1 minute), but was " + value);
        }
        String singular = unit.endsWith("s") ? unit.substring(0, unit.length() - 1) : unit;
        Duration one = switch (singular) {
            case "minute" -> Duration.ofMinutes(1);
            case "hour" -> Duration.ofHours(1);
            case "day" -> Duration.ofDays(1);
            default ->
                throw new InvalidScheduleException(
                        "rate unit",
                        unit,
                        "rate unit must be minute(s), hour(s) or day(s) (nothing runs more often than once a"
                                + " minute), but was " + unit);
        };
        if (amount == 1 && !unit.equals(singular)) {
            throw new InvalidScheduleException(
                    "rate unit", unit, "rate unit is singular for a value of 1: rate(1 " + singular + ")");
        }
        if (amount > 1 && unit.equals(singular)) {
            throw new InvalidScheduleException(
                    "rate unit",
                    unit,
                    "rate unit is plural for a value above 1: rate(" + amount + " " + singular + "s)");
        }
        try {
            return one.multipliedBy(amount);
        } catch (ArithmeticException tooLong) {
            throw tooLarge(value, inner);
        }
    }

    private static InvalidScheduleException tooLarge(String value, String inner) {
        return new InvalidScheduleException(
                "rate value", value, "rate value is too large: rate(" + inner + ") is longer than time goes");
    }

    private static LocalDateTime at(String inner) {
        if (!AT.matcher(inner).matches()) {
            throw new InvalidScheduleException(
                    "at",
                    inner,
                    "at takes a date and time as yyyy-mm-ddThh:mm:ss, as in at(2027-01-01T09:00:00), but was at("
                            + inner + ")");
        }
        try {
            return LocalDateTime.parse(inner, AT_FORMAT);
        } catch (DateTimeException invalid) {
            throw new InvalidScheduleException(
                    "at", inner, "at(" + inner + ") is not a date and time: " + invalid.getMessage());
        }
    }

    /**
     * The times the expression fires after {@code after}: strictly after it, ascending, at most
     * {@code count} of them (fewer when it fires no more: an {@code at} fires once, a cron's years end
     * in 2199). {@code cron} and {@code at} read wall-clock time in {@code zone}; {@code rate} fires at
     * {@code after + k * rate}.
     *
     * @param after the instant to look from
     * @param zone the zone whose wall-clock time cron and at expressions name
     * @param count how many to list, 0 or more
     * @return the fire times
     */
    public List<Instant> nextFireTimes(Instant after, ZoneId zone, int count) {
        Objects.requireNonNull(after, "after");
        Objects.requireNonNull(zone, "zone");
        if (count < 0) {
            throw new IllegalArgumentException("count must be 0 or more, but was " + count);
        }
        List<Instant> times = new ArrayList<>(Math.min(count, 1024));
        switch (recurrence) {
            case Recurrence.Rate(Duration period) -> {
                Instant next = after;
                while (times.size() < count && Instant.MAX.minus(period).isAfter(next)) {
                    next = next.plus(period);
                    times.add(next);
                }
            }
            case Recurrence.At(LocalDateTime time) -> {
                Instant once = firstInstant(time, zone);
                if (count > 0 && once != null && once.isAfter(after)) {
                    times.add(once);
                }
            }
            case CronRecurrence cron -> {
                LocalDateTime cursor = LocalDateTime.ofInstant(after, zone);
                while (times.size() < count) {
                    LocalDateTime next = cron.next(cursor);
                    if (next == null) {
                        break;
                    }
                    cursor = next;
                    Instant instant = firstInstant(next, zone);
                    if (instant != null
                            && instant.isAfter(after)) { // else a skipped hour, or a repeated one's second pass
                        times.add(instant);
                    }
                }
            }
        }
        return List.copyOf(times);
    }

    /**
     * The first instant that reads {@code local} in {@code zone}, or null in the hour the clocks
     * skip: of the two a repeated hour has, the earlier, before the clocks go back.
     */
    static @Nullable Instant firstInstant(LocalDateTime local, ZoneId zone) {
        List<ZoneOffset> offsets = zone.getRules().getValidOffsets(local);
        if (offsets.isEmpty()) {
            return null;
        }
        ZoneOffset earliest = offsets.get(0);
        for (ZoneOffset offset : offsets) {
            if (offset.getTotalSeconds() > earliest.getTotalSeconds()) {
                earliest = offset; // the larger offset reads the same wall-clock time earlier
            }
        }
        return local.toInstant(earliest);
    }

    /** Whether this is an {@code at(...)} expression, which fires once. */
    public boolean isOneTime() {
        return recurrence instanceof Recurrence.At;
    }

    Recurrence recurrence() {
        return recurrence;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ScheduleExpression that && text.equals(that.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    /** The expression as it was written. */
    @Override
    public String toString() {
        return text;
    }
}
