package dev.faas.triggers.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The expression language against EventBridge Scheduler's published meaning of each example. The
 * expected times come from an oracle that walks real time minute by minute and asks, of each
 * minute's wall-clock reading in the zone, what the documentation says in words: so a skipped hour
 * never reads, and a repeated hour reads twice and fires the first time only.
 */
final class ScheduleExpressionTest {

    private static final ZoneId UTC = ZoneOffset.UTC;
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final Instant FROM = Instant.parse("2026-12-01T00:00:00Z");

    static Stream<Arguments> documentedExamples() {
        Predicate<LocalDateTime> weekday = t -> t.getDayOfWeek().getValue() <= 5;
        return Stream.of(
                // EventBridge Scheduler's cron examples, in its words
                example("cron(0 10 * * ? *)", "10:00 every day", t -> at(t, 10, 0)),
                example("cron(15 12 * * ? *)", "12:15 every day", t -> at(t, 12, 15)),
                example("cron(0 18 ? * MON-FRI *)", "18:00 Monday to Friday", t -> at(t, 18, 0) && weekday.test(t)),
                example(
                        "cron(0 8 1 * ? *)",
                        "08:00 on the first day of the month",
                        t -> at(t, 8, 0) && t.getDayOfMonth() == 1),
                example("cron(0/15 * * * ? *)", "every 15 minutes", t -> t.getMinute() % 15 == 0),
                example(
                        "cron(0/10 * ? * MON-FRI *)",
                        "every 10 minutes, Monday to Friday",
                        t -> t.getMinute() % 10 == 0 && weekday.test(t)),
                example(
                        "cron(0/5 8-17 ? * MON-FRI *)",
                        "every 5 minutes, 08:00 to 17:55, Monday to Friday",
                        t -> t.getMinute() % 5 == 0 && t.getHour() >= 8 && t.getHour() <= 17 && weekday.test(t)),
                example(
                        "cron(0 9 ? * 2#1 *)",
                        "09:00 on the first Monday of the month",
                        t -> at(t, 9, 0) && t.getDayOfWeek() == DayOfWeek.MONDAY && t.getDayOfMonth() <= 7),
                // L, W, names, lists, ranges, steps and years, as the cron reference defines them
                example(
                        "cron(15 10 ? * 6L 2027-2028)",
                        "10:15 on the last Friday of each month, 2027 to 2028",
                        t -> at(t, 10, 15)
                                && t.toLocalDate()
                                        .equals(t.toLocalDate().with(TemporalAdjusters.lastInMonth(DayOfWeek.FRIDAY)))
                                && t.getYear() >= 2027
                                && t.getYear() <= 2028),
                example(
                        "cron(0 9 L * ? *)",
                        "09:00 on the last day of the month",
                        t -> at(t, 9, 0)
                                && t.toLocalDate().equals(t.toLocalDate().with(TemporalAdjusters.lastDayOfMonth()))),
                example(
                        "cron(0 9 15W * ? *)",
                        "09:00 on the weekday nearest the 15th",
                        t -> at(t, 9, 0) && t.toLocalDate().equals(nearestWeekday(t.toLocalDate(), 15))),
                example(
                        "cron(0 9 LW * ? *)",
                        "09:00 on the last weekday of the month",
                        t -> at(t, 9, 0) && t.toLocalDate().equals(lastWeekday(t.toLocalDate()))),
                example(
                        "cron(0 12 ? JAN,JUL MON-FRI *)",
                        "noon on weekdays in January and July",
                        t -> at(t, 12, 0) && weekday.test(t) && (t.getMonthValue() == 1 || t.getMonthValue() == 7)),
                example(
                        "cron(30 6,18 1-10/3 * ? *)",
                        "06:30 and 18:30 on the 1st, 4th, 7th and 10th",
                        t -> (at(t, 6, 30) || at(t, 18, 30))
                                && List.of(1, 4, 7, 10).contains(t.getDayOfMonth())),
                example(
                        "cron(0 0 ? * SUN *)",
                        "midnight each Sunday",
                        t -> at(t, 0, 0) && t.getDayOfWeek() == DayOfWeek.SUNDAY),
                example(
                        "cron(0 0 ? * 1 *)",
                        "midnight each Sunday, by number (1 is Sunday)",
                        t -> at(t, 0, 0) && t.getDayOfWeek() == DayOfWeek.SUNDAY),
                example(
                        "cron(0 0 29 2 ? *)",
                        "midnight on the 29th of February",
                        t -> at(t, 0, 0) && t.getMonthValue() == 2 && t.getDayOfMonth() == 29));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("documentedExamples")
    void firesAsTheDocumentationSays(String expression, String meaning, Predicate<LocalDateTime> fires) {
        for (ZoneId zone : List.of(UTC, NEW_YORK, BERLIN)) {
            List<Instant> expected = oracle(FROM, zone, 20, fires);

            assertThat(ScheduleExpression.parse(expression).nextFireTimes(FROM, zone, 20))
                    .as("%s in %s", expression, zone)
                    .containsExactlyElementsOf(expected);
        }
    }

    static Stream<Arguments> daysOverYears() {
        return Stream.of(
                days("cron(0 9 1W * ? *)", day -> day.equals(nearestWeekday(day, 1))),
                days("cron(0 9 15W * ? *)", day -> day.equals(nearestWeekday(day, 15))),
                days("cron(0 9 28W * ? *)", day -> day.equals(nearestWeekday(day, 28))),
                days("cron(0 9 30W * ? *)", day -> day.equals(nearestWeekday(day, 30))),
                days("cron(0 9 31W * ? *)", day -> day.equals(nearestWeekday(day, 31))),
                days("cron(0 9 LW * ? *)", day -> day.equals(lastWeekday(day))),
                days("cron(0 9 L * ? *)", day -> day.equals(day.with(TemporalAdjusters.lastDayOfMonth()))),
                days(
                        "cron(0 9 ? * 6L *)",
                        day -> day.equals(day.with(TemporalAdjusters.lastInMonth(DayOfWeek.FRIDAY)))),
                days("cron(0 9 ? * 1#5 *)", day -> day.getDayOfWeek() == DayOfWeek.SUNDAY && day.getDayOfMonth() > 28),
                days(
                        "cron(0 9 ? * MON#1 *)",
                        day -> day.getDayOfWeek() == DayOfWeek.MONDAY && day.getDayOfMonth() <= 7),
                days("cron(0 9 29 2 ? *)", day -> day.getMonthValue() == 2 && day.getDayOfMonth() == 29));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("daysOverYears")
    void specialDaysHoldOverYears(String expression, Predicate<LocalDate> fires) {
        List<Instant> expected = new ArrayList<>();
        for (LocalDate day = LocalDate.of(2026, 12, 1);
                expected.size() < 60 && day.getYear() <= 2199; // cron's years end there
                day = day.plusDays(1)) {
            if (fires.test(day)) {
                expected.add(day.atTime(9, 0).toInstant(ZoneOffset.UTC));
            }
        }

        assertThat(ScheduleExpression.parse(expression).nextFireTimes(FROM, UTC, 60))
                .containsExactlyElementsOf(expected);
    }

    @Test
    void everyQuarterHourAcrossBothDaylightSavingChangesInNewYorkAndBerlin() {
        ScheduleExpression quarterHours = ScheduleExpression.parse("cron(0/15 * * * ? *)");
        for (Instant before : List.of(
                Instant.parse("2027-03-14T05:00:00Z"), // New York springs forward at 07:00Z
                Instant.parse("2027-11-07T04:00:00Z"), // and falls back at 06:00Z
                Instant.parse("2027-03-28T00:00:00Z"), // Berlin springs forward at 01:00Z
                Instant.parse("2027-10-31T00:00:00Z"))) { // and falls back at 01:00Z
            for (ZoneId zone : List.of(NEW_YORK, BERLIN)) {
                assertThat(quarterHours.nextFireTimes(before, zone, 20))
                        .as("from %s in %s", before, zone)
                        .containsExactlyElementsOf(oracle(before, zone, 20, t -> t.getMinute() % 15 == 0));
            }
        }
    }

    @Test
    void aTimeTheClocksSkipDoesNotFire() {
        List<Instant> times = ScheduleExpression.parse("cron(30 2 * * ? *)")
                .nextFireTimes(Instant.parse("2027-03-13T00:00:00Z"), NEW_YORK, 3);

        assertThat(times)
                .containsExactly(
                        Instant.parse("2027-03-13T07:30:00Z"), // 02:30 EST
                        Instant.parse("2027-03-15T06:30:00Z"), // 14 March has no 02:30; 02:30 EDT the day after
                        Instant.parse("2027-03-16T06:30:00Z"));
    }

    @Test
    void aTimeTheClocksRepeatFiresOnceBeforeTheyGoBack() {
        assertThat(ScheduleExpression.parse("cron(30 1 * * ? *)")
                        .nextFireTimes(Instant.parse("2027-11-06T12:00:00Z"), NEW_YORK, 2))
                .containsExactly(
                        Instant.parse("2027-11-07T05:30:00Z"), // 01:30 EDT; not again at 01:30 EST (06:30Z)
                        Instant.parse("2027-11-08T06:30:00Z"));
        assertThat(ScheduleExpression.parse("cron(30 2 * * ? *)")
                        .nextFireTimes(Instant.parse("2027-10-30T12:00:00Z"), BERLIN, 2))
                .containsExactly(
                        Instant.parse("2027-10-31T00:30:00Z"), // 02:30 CEST; not again at 02:30 CET (01:30Z)
                        Instant.parse("2027-11-01T01:30:00Z"));
    }

    @Test
    void lookingFromInsideTheRepeatedHourFiresNothingUntilItEnds() {
        Instant secondPass = Instant.parse("2027-11-07T06:10:00Z"); // 01:10 EST, the hour's second reading

        assertThat(ScheduleExpression.parse("cron(0/20 * * * ? *)").nextFireTimes(secondPass, NEW_YORK, 2))
                .containsExactly(Instant.parse("2027-11-07T07:00:00Z"), Instant.parse("2027-11-07T07:20:00Z"));
    }

    @Test
    void ratesFireAtWholePeriodsAfterAndIgnoreTheZone() {
        Instant after = Instant.parse("2027-03-13T12:00:00Z");

        assertThat(ScheduleExpression.parse("rate(5 minutes)").nextFireTimes(after, NEW_YORK, 3))
                .containsExactly(after.plusSeconds(300), after.plusSeconds(600), after.plusSeconds(900));
        assertThat(ScheduleExpression.parse("rate(1 hour)").nextFireTimes(after, UTC, 2))
                .containsExactly(after.plus(1, ChronoUnit.HOURS), after.plus(2, ChronoUnit.HOURS));
        // 24-hour days, across New York's spring change: 08:00 EST, then 09:00 EDT on the wall clock
        assertThat(ScheduleExpression.parse("rate(1 day)").nextFireTimes(after, NEW_YORK, 20))
                .hasSize(20)
                .allSatisfy(time ->
                        assertThat(Duration.between(after, time).toHours() % 24).isZero())
                .startsWith(Instant.parse("2027-03-14T12:00:00Z"), Instant.parse("2027-03-15T12:00:00Z"));
        assertThat(ScheduleExpression.parse("rate(7 days)").nextFireTimes(after, UTC, 1))
                .containsExactly(after.plus(7, ChronoUnit.DAYS));
    }

    @Test
    void atFiresOnceAtItsWallClockTime() {
        ScheduleExpression at = ScheduleExpression.parse("at(2027-11-07T01:30:00)");

        assertThat(at.isOneTime()).isTrue();
        assertThat(at.nextFireTimes(FROM, NEW_YORK, 5)).containsExactly(Instant.parse("2027-11-07T05:30:00Z"));
        assertThat(at.nextFireTimes(FROM, BERLIN, 5)).containsExactly(Instant.parse("2027-11-07T00:30:00Z"));
        assertThat(at.nextFireTimes(Instant.parse("2027-11-07T05:30:00Z"), NEW_YORK, 5))
                .isEmpty(); // strictly after
        assertThat(at.nextFireTimes(FROM, NEW_YORK, 0)).isEmpty();
    }

    @Test
    void yearsReachTo2199() {
        assertThat(ScheduleExpression.parse("cron(0 0 1 1 ? 2199)").nextFireTimes(FROM, UTC, 3))
                .containsExactly(Instant.parse("2199-01-01T00:00:00Z"));
        assertThat(ScheduleExpression.parse("cron(0 12 ? * 2#1 2150-2199)").nextFireTimes(FROM, UTC, 2))
                .containsExactly(Instant.parse("2150-01-05T12:00:00Z"), Instant.parse("2150-02-02T12:00:00Z"));
        assertThat(ScheduleExpression.parse("cron(0 0 1 1 ? 2030/50)").nextFireTimes(FROM, UTC, 9))
                .containsExactly(
                        Instant.parse("2030-01-01T00:00:00Z"),
                        Instant.parse("2080-01-01T00:00:00Z"),
                        Instant.parse("2130-01-01T00:00:00Z"),
                        Instant.parse("2180-01-01T00:00:00Z"));
        assertThat(ScheduleExpression.parse("cron(0 0 * * ? 2020)").nextFireTimes(FROM, UTC, 1))
                .isEmpty();
        assertThat(ScheduleExpression.parse("cron(0 0 31 2 ? *)").nextFireTimes(FROM, UTC, 1))
                .isEmpty();
    }

    @Test
    void namesAndNumbersAreCaseInsensitiveAndFireTimesAreStrictlyAfter() {
        Instant nine = Instant.parse("2026-12-07T09:00:00Z"); // a Monday

        assertThat(ScheduleExpression.parse("cron(0 9 ? * mon *)").nextFireTimes(nine, UTC, 1))
                .containsExactly(nine.plus(7, ChronoUnit.DAYS));
        assertThat(ScheduleExpression.parse("cron(0 9 ? * MON *)"))
                .hasToString("cron(0 9 ? * MON *)")
                .isEqualTo(ScheduleExpression.parse("cron(0 9 ? * MON *)"));
    }

    static Stream<Arguments> badExpressions() {
        return Stream.of(
                bad("", "expression", "is required"),
                bad("every 5 minutes", "expression", "rate(value unit), cron(six fields) or at("),
                bad("rate(5 minutes", "expression", "but was rate(5 minutes"),
                bad("RATE(5 minutes)", "expression", "but was RATE"),
                bad("rate()", "rate", "takes a value and a unit"),
                bad("rate(5)", "rate", "takes a value and a unit"),
                bad("rate(0 minutes)", "rate value", "1 or more"),
                bad("rate(-1 minutes)", "rate value", "whole number"),
                bad("rate(five minutes)", "rate value", "whole number"),
                bad("rate(1 minutes)", "rate unit", "singular for a value of 1: rate(1 minute)"),
                bad("rate(5 minute)", "rate unit", "plural for a value above 1: rate(5 minutes)"),
                bad("rate(5 seconds)", "rate unit", "minute(s), hour(s) or day(s)"),
                bad("rate(2 weeks)", "rate unit", "but was weeks"),
                bad("rate(999999999999999999 days)", "rate value", "too large"),
                bad("rate(99999999999999999999 minutes)", "rate value", "too large"),
                bad("cron(0 10 * * ?)", "cron", "takes 6 fields"),
                bad("cron(0 0 10 * * ? *)", "cron", "has 7"),
                bad("cron()", "cron", "has 0"),
                bad("cron(60 10 * * ? *)", "cron minutes", "cannot be 60"),
                bad("cron(0 24 * * ? *)", "cron hours", "cannot be 24"),
                bad("cron(0 10 32 * ? *)", "cron day-of-month", "cannot be 32"),
                bad("cron(0 10 0 * ? *)", "cron day-of-month", "cannot be 0"),
                bad("cron(0 10 * 13 ? *)", "cron month", "cannot be 13"),
                bad("cron(0 10 * FOO ? *)", "cron month", "cannot be FOO"),
                bad("cron(0 10 ? * 8 *)", "cron day-of-week", "cannot be 8"),
                bad("cron(0 10 ? * FUN *)", "cron day-of-week", "cannot be FUN"),
                bad("cron(0 10 * * ? 1969)", "cron year", "cannot be 1969"),
                bad("cron(0 10 * * ? 2200)", "cron year", "cannot be 2200"),
                bad("cron(0 10 * * * *)", "cron day-of-month", "cannot both be set: use ? in one"),
                bad("cron(0 10 ? * ? *)", "cron day-of-month", "cannot both be ?"),
                bad("cron(? 10 * * ? *)", "cron minutes", "only day-of-month and day-of-week take ?"),
                bad("cron(0 10 ? * 2#1,3#2 *)", "cron day-of-week", "one # expression only"),
                bad("cron(0 10 ? * 2#6 *)", "cron day-of-week", "its week in the month (1-5)"),
                bad("cron(0 10 2#1 * ? *)", "cron day-of-month", "cannot be 2#1"),
                bad("cron(0 10 LW,5 * ? *)", "cron day-of-month", "stand alone"),
                bad("cron(0 10 L-2 * ? *)", "cron day-of-month", "stand alone"),
                bad("cron(0 10 ? * 5L,2 *)", "cron day-of-week", "stand alone"),
                bad("cron(0 10 ? * 2W *)", "cron day-of-week", "cannot be 2W"),
                bad("cron(0 10 ? * 1/2 *)", "cron day-of-week", "takes no step"),
                bad("cron(0/0 10 * * ? *)", "cron minutes", "cannot be 0/0"),
                bad("cron(50-10 * * * ? *)", "cron minutes", "cannot be 50-10"),
                bad("cron(0 L * * ? *)", "cron hours", "cannot be L"),
                bad("at(2027-13-01T10:00:00)", "at", "is not a date and time"),
                bad("at(2027-02-30T10:00:00)", "at", "is not a date and time"),
                bad("at(2027-01-01 10:00:00)", "at", "yyyy-mm-ddThh:mm:ss"),
                bad("at(2027-01-01T10:00)", "at", "yyyy-mm-ddThh:mm:ss"),
                bad("at(2027-01-01T25:00:00)", "at", "is not a date and time"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badExpressions")
    void aBadExpressionNamesTheFieldAndTheText(String expression, String field, String says) {
        assertThatThrownBy(() -> ScheduleExpression.parse(expression))
                .isInstanceOfSatisfying(InvalidScheduleException.class, invalid -> {
                    assertThat(invalid.field()).isEqualTo(field);
                    assertThat(invalid).hasMessageContaining(says);
                })
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aNullExpressionIsRefusedAsTheOthersAre() {
        assertThatThrownBy(() -> ScheduleExpression.parse(null))
                .isInstanceOf(InvalidScheduleException.class)
                .hasMessageContaining("is required");
    }

    // ---- the oracle ----

    /** Walks real time minute by minute; fires where the wall clock first reads a time that {@code fires}. */
    private static List<Instant> oracle(Instant after, ZoneId zone, int count, Predicate<LocalDateTime> fires) {
        List<Instant> times = new ArrayList<>();
        LocalDateTime latestReading = LocalDateTime.MIN;
        for (Instant minute = after.truncatedTo(ChronoUnit.MINUTES); times.size() < count; ) {
            LocalDateTime reading = LocalDateTime.ofInstant(minute, zone);
            if (reading.isAfter(latestReading)) { // a repeated hour reads again: those minutes have fired
                latestReading = reading;
                if (minute.isAfter(after) && fires.test(reading)) {
                    times.add(minute);
                }
            }
            minute = minute.plus(1, ChronoUnit.MINUTES);
        }
        return times;
    }

    private static boolean at(LocalDateTime time, int hour, int minute) {
        return time.getHour() == hour && time.getMinute() == minute;
    }

    /** The weekday nearest day n of {@code day}'s month, within the month; null in a month without day n. */
    private static LocalDate nearestWeekday(LocalDate day, int n) {
        if (n > day.lengthOfMonth()) {
            return null;
        }
        LocalDate target = day.withDayOfMonth(n);
        return switch (target.getDayOfWeek()) {
            case SATURDAY -> n == 1 ? target.plusDays(2) : target.minusDays(1);
            case SUNDAY -> n == target.lengthOfMonth() ? target.minusDays(2) : target.plusDays(1);
            default -> target;
        };
    }

    private static LocalDate lastWeekday(LocalDate anyDayOfTheMonth) {
        LocalDate last = anyDayOfTheMonth.with(TemporalAdjusters.lastDayOfMonth());
        while (last.getDayOfWeek().getValue() > 5) {
            last = last.minusDays(1);
        }
        return last;
    }

    private static Arguments example(String expression, String meaning, Predicate<LocalDateTime> fires) {
        return Arguments.of(expression, meaning, fires);
    }

    private static Arguments days(String expression, Predicate<LocalDate> fires) {
        return Arguments.of(expression, fires);
    }

    private static Arguments bad(String expression, String field, String says) {
        return Arguments.of(expression, field, says);
    }
}
