package dev.faas.triggers.schedule;

import com.cronutils.model.definition.CronConstraintsFactory;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.BitSet;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A {@code cron(...)} expression's six fields, as EventBridge Scheduler defines them, parsed and
 * evaluated by cron-utils on wall-clock time (local date-times, read in UTC so that no zone's
 * transitions reach the library). The rules cron-utils does not check are checked here: one day
 * field must be {@code ?}, one {@code #} expression, L and W on their own, no step in day-of-week.
 * {@code nW} (the weekday nearest day n) is evaluated here too: cron-utils moves it across a month's
 * end and fails in a month without day n, which has no such day and no fire. cron-utils looks about
 * a century ahead; a year field that names later years is searched from the start of each.
 */
final class CronRecurrence implements Recurrence {

    static final int MIN_YEAR = 1970;
    static final int MAX_YEAR = 2199;

    private static final String[] FIELDS = {"minutes", "hours", "day-of-month", "month", "day-of-week", "year"};
    private static final String[] ALLOWED = {
        "0-59 and , - * /",
        "0-23 and , - * /",
        "1-31 and , - * ? / L W",
        "1-12 or JAN-DEC, and , - * /",
        "1-7 (1 is Sunday) or SUN-SAT, and , - * ? L #",
        MIN_YEAR + "-" + MAX_YEAR + " and , - * /"
    };
    private static final int DAY_OF_MONTH = 2;
    private static final int DAY_OF_WEEK = 4;
    private static final int YEAR = 5;
    private static final String DAY = "([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)";
    private static final Pattern DAY_OF_MONTH_SPECIAL = Pattern.compile("L|LW|([1-9]|[12][0-9]|3[01])W");
    private static final Pattern NEAREST_WEEKDAY = Pattern.compile("([1-9]|[12][0-9]|3[01])W");
    private static final Pattern DAY_OF_WEEK_LAST = Pattern.compile("L|" + DAY + "L");
    private static final Pattern DAY_OF_WEEK_NTH = Pattern.compile(DAY + "#[1-5]");

    private static final CronParser PARSER = new CronParser(eventBridge());

    private final String text;
    private final ExecutionTime execution;
    /** The years the year field allows, from {@link #MIN_YEAR}; null when it allows every year. */
    private final @Nullable BitSet years;
    /** n of a day-of-month {@code nW}, which cron-utils is given as {@code *}; 0 when there is none. */
    private final int nearestWeekdayTo;

    private CronRecurrence(String text, ExecutionTime execution, @Nullable BitSet years, int nearestWeekdayTo) {
        this.text = text;
        this.execution = execution;
        this.years = years;
        this.nearestWeekdayTo = nearestWeekdayTo;
    }

    /** EventBridge's fields: minutes, hours, day-of-month, month, day-of-week (Sunday is 1), year. */
    private static CronDefinition eventBridge() {
        return CronDefinitionBuilder.defineCron()
                .withMinutes()
                .withValidRange(0, 59)
                .withStrictRange()
                .and()
                .withHours()
                .withValidRange(0, 23)
                .withStrictRange()
                .and()
                .withDayOfMonth()
                .withValidRange(1, 31)
                .supportsL()
                .supportsW()
                .supportsLW()
                .supportsQuestionMark()
                .withStrictRange()
                .and()
                .withMonth()
                .withValidRange(1, 12)
                .withStrictRange()
                .and()
                .withDayOfWeek()
                .withValidRange(1, 7)
                .withMondayDoWValue(2)
                .supportsHash()
                .supportsL()
                .supportsQuestionMark()
                .withStrictRange()
                .and()
                .withYear()
                .withValidRange(MIN_YEAR, MAX_YEAR)
                .withStrictRange()
                .and()
                .withCronValidation(CronConstraintsFactory.ensureEitherDayOfWeekOrDayOfMonth())
                .instance();
    }

    /**
     * Parses what is inside {@code cron(...)}.
     *
     * @throws InvalidScheduleException naming the field at fault
     */
    static CronRecurrence parse(String inner) {
        String[] fields = inner.isBlank() ? new String[0] : inner.trim().split("\\s+");
        if (fields.length != FIELDS.length) {
            throw new InvalidScheduleException(
                    "cron",
                    inner,
                    "cron takes 6 fields (minutes hours day-of-month month day-of-week year), but cron(" + inner
                            + ") has " + fields.length);
        }
        for (int i = 0; i < fields.length; i++) {
            fields[i] = fields[i].toUpperCase(Locale.ROOT);
        }
        checkDays(fields);
        try {
            PARSER.parse(String.join(" ", fields)); // refuses what cron-utils refuses, nW included
        } catch (IllegalArgumentException invalid) {
            throw fieldAtFault(fields, inner, invalid);
        }
        int nearestWeekdayTo = 0;
        Matcher nearest = NEAREST_WEEKDAY.matcher(fields[DAY_OF_MONTH]);
        if (nearest.matches()) {
            nearestWeekdayTo = Integer.parseInt(nearest.group(1));
            fields[DAY_OF_MONTH] = "*";
        }
        ExecutionTime execution = ExecutionTime.forCron(PARSER.parse(String.join(" ", fields)));
        return new CronRecurrence(
                "cron(" + inner + ")",
                execution,
                fields[YEAR].equals("*") ? null : years(fields[YEAR]),
                nearestWeekdayTo);
    }

    /** The rules on the two day fields that cron-utils leaves unchecked or gets wrong in lists. */
    private static void checkDays(String[] fields) {
        for (int i = 0; i < fields.length; i++) {
            if (i != DAY_OF_MONTH && i != DAY_OF_WEEK && fields[i].contains("?")) {
                throw invalid(i, fields[i], "only day-of-month and day-of-week take ?");
            }
        }
        String dayOfMonth = fields[DAY_OF_MONTH];
        String dayOfWeek = fields[DAY_OF_WEEK];
        boolean anyDayOfMonth = dayOfMonth.equals("?");
        boolean anyDayOfWeek = dayOfWeek.equals("?");
        if (!anyDayOfMonth && !anyDayOfWeek) {
            throw new InvalidScheduleException(
                    "cron day-of-month",
                    dayOfMonth + " " + dayOfWeek,
                    "cron day-of-month and day-of-week cannot both be set: use ? in one, as in cron(0 9 ? * MON *)"
                            + " or cron(0 9 1 * ? *), but they were " + dayOfMonth + " and " + dayOfWeek);
        }
        if (anyDayOfMonth && anyDayOfWeek) {
            throw new InvalidScheduleException(
                    "cron day-of-month",
                    "? ?",
                    "cron day-of-month and day-of-week cannot both be ?: set one, as in cron(0 9 * * ? *)");
        }
        if (!anyDayOfMonth
                && (dayOfMonth.contains("L") || dayOfMonth.contains("W"))
                && !DAY_OF_MONTH_SPECIAL.matcher(dayOfMonth).matches()) {
            throw invalid(
                    DAY_OF_MONTH,
                    dayOfMonth,
                    "L (the last day), LW (the last weekday) and nW (the weekday nearest day n) stand alone, not in"
                            + " a list, range or step");
        }
        if (anyDayOfWeek) {
            return;
        }
        if (dayOfWeek.contains("/")) {
            throw invalid(DAY_OF_WEEK, dayOfWeek, "day-of-week takes no step (/)");
        }
        if (dayOfWeek.contains("#")) {
            if (dayOfWeek.indexOf('#') != dayOfWeek.lastIndexOf('#') || dayOfWeek.contains(",")) {
                throw invalid(DAY_OF_WEEK, dayOfWeek, "one # expression only, as in 2#1 (the first Monday)");
            }
            if (!DAY_OF_WEEK_NTH.matcher(dayOfWeek).matches()) {
                throw invalid(
                        DAY_OF_WEEK,
                        dayOfWeek,
                        "d#n takes a day (1-7 or SUN-SAT) and its week in the month (1-5), as in 2#1 (the first"
                                + " Monday)");
            }
        }
        if (dayOfWeek.contains("L") && !DAY_OF_WEEK_LAST.matcher(dayOfWeek).matches()) {
            throw invalid(
                    DAY_OF_WEEK,
                    dayOfWeek,
                    "L (Saturday, the week's last day) and dL (the last day d of the month, as in 6L, the last"
                            + " Friday) stand alone, not in a list or range");
        }
    }

    /**
     * cron-utils refused the expression: find the field it refuses on its own, each tried with
     * wildcards in the others, and name it.
     */
    private static InvalidScheduleException fieldAtFault(
            String[] fields, String inner, IllegalArgumentException invalid) {
        for (int i = 0; i < fields.length; i++) {
            String[] probe = {"*", "*", "*", "*", "?", "*"}; // exactly one day field is ?, as it must be
            if (i == DAY_OF_MONTH || i == DAY_OF_WEEK) {
                int other = i == DAY_OF_MONTH ? DAY_OF_WEEK : DAY_OF_MONTH;
                probe[other] = fields[i].equals("?") ? "*" : "?";
            }
            probe[i] = fields[i];
            try {
                PARSER.parse(String.join(" ", probe));
            } catch (IllegalArgumentException refused) {
                return invalid(i, fields[i], reason(refused));
            }
        }
        return new InvalidScheduleException(
                "cron", inner, "cron(" + inner + ") is not a valid expression: " + reason(invalid));
    }

    private static InvalidScheduleException invalid(int field, String text, String why) {
        return new InvalidScheduleException(
                "cron " + FIELDS[field],
                text,
                "cron " + FIELDS[field] + " cannot be " + text + ": " + why + "; the field takes " + ALLOWED[field]);
    }

    private static String reason(IllegalArgumentException refused) {
        String message = String.valueOf(refused.getMessage());
        String prefix = "Failed to parse cron expression. ";
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    /** The years a year field allows, each looked up with cron-utils. */
    private static BitSet years(String yearField) {
        ExecutionTime anyTimeThatYear = ExecutionTime.forCron(PARSER.parse("* * ? * * " + yearField));
        BitSet years = new BitSet(MAX_YEAR - MIN_YEAR + 1);
        for (int year = MIN_YEAR; year <= MAX_YEAR; year++) {
            if (anyTimeThatYear.isMatch(ZonedDateTime.of(year, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC))) {
                years.set(year - MIN_YEAR);
            }
        }
        return years;
    }

    /**
     * The first wall-clock time strictly after {@code after} that the expression names, or null if none.
     *
     * @throws IllegalStateException if cron-utils fails to evaluate it
     */
    @Nullable
    LocalDateTime next(LocalDateTime after) {
        try {
            LocalDateTime cursor = after;
            while (true) {
                LocalDateTime next = nextOfTheLibrary(cursor);
                if (next == null || nearestWeekdayTo == 0 || isNearestWeekday(next.toLocalDate())) {
                    return next;
                }
                cursor = next.toLocalDate().atTime(LocalTime.MAX); // nothing else that day is the weekday
            }
        } catch (DateTimeException failed) {
            throw new IllegalStateException(
                    text + " could not be evaluated after " + after + ": " + failed.getMessage(), failed);
        }
    }

    private @Nullable LocalDateTime nextOfTheLibrary(LocalDateTime after) {
        Optional<ZonedDateTime> next = execution.nextExecution(after.atZone(ZoneOffset.UTC));
        if (next.isPresent()) {
            return next.get().toLocalDateTime();
        }
        if (years == null) {
            return null; // a century searched, every year allowed: the calendar repeats well within that
        }
        int from = Math.max(0, after.getYear() + 1 - MIN_YEAR);
        for (int year = years.nextSetBit(from); year >= 0; year = years.nextSetBit(year + 1)) {
            LocalDateTime yearStart = LocalDateTime.of(MIN_YEAR + year, 1, 1, 0, 0);
            next = execution.nextExecution(yearStart.minusMinutes(1).atZone(ZoneOffset.UTC));
            if (next.isPresent()) {
                return next.get().toLocalDateTime();
            }
        }
        return null;
    }

    /**
     * Whether {@code day} is the weekday nearest day n of its month, never in another month: a
     * Saturday n moves to the Friday before, a Sunday n to the Monday after, unless that leaves the
     * month (then Monday the 3rd for Saturday the 1st, Friday for a Sunday on the last day). A month
     * without day n has none.
     */
    private boolean isNearestWeekday(LocalDate day) {
        if (nearestWeekdayTo > day.lengthOfMonth()) {
            return false;
        }
        LocalDate n = day.withDayOfMonth(nearestWeekdayTo);
        LocalDate weekday = switch (n.getDayOfWeek()) {
            case SATURDAY -> nearestWeekdayTo == 1 ? n.plusDays(2) : n.minusDays(1);
            case SUNDAY -> nearestWeekdayTo == n.lengthOfMonth() ? n.minusDays(2) : n.plusDays(1);
            default -> n;
        };
        return day.equals(weekday);
    }
}
