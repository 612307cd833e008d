package dev.faas.triggers.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.InvocationType;
import dev.faas.api.Invoker;
import dev.faas.api.ManualClock;
import dev.faas.api.PayloadTypeException;
import dev.faas.api.ThrottledException;
import dev.faas.api.TimeSource;
import dev.faas.api.events.ScheduledEvent;
import dev.faas.core.FaasRuntime;
import dev.faas.triggers.LogCapture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class ScheduleTriggerTest {

    private static final Logger log = LoggerFactory.getLogger(ScheduleTriggerTest.class);
    private static final Instant NEW_YEAR = Instant.parse("2027-01-01T00:00:00Z");

    private final ManualClock clock = new ManualClock(NEW_YEAR);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final FaasRuntime runtime =
            FaasRuntime.builder().clock(clock).reportLog(false).build();
    private final Queue<ScheduledEvent> ticks = new ConcurrentLinkedQueue<>();
    private final Queue<String> inputs = new ConcurrentLinkedQueue<>();
    private final Queue<InvocationType> types = new ConcurrentLinkedQueue<>();

    ScheduleTriggerTest() {
        runtime.deploy(FunctionSpec.of("tick", ScheduledEvent.class, Void.class, () -> (tick, context) -> {
            ticks.add(tick);
            types.add(context.invocationType());
            return null;
        }));
        runtime.deploy(FunctionSpec.of("report", String.class, Void.class, () -> (input, context) -> {
            inputs.add(input);
            return null;
        }));
    }

    @AfterEach
    void close() {
        runtime.close();
    }

    @Test
    void aYearOfThreeSchedulesOnAManualClockFiresEachTimeOnceInOrder() {
        runtime.deploy(FunctionSpec.of("standup", ScheduledEvent.class, Void.class, () -> (tick, context) -> null));
        ScheduleTrigger trigger = ScheduleTrigger.builder()
                .schedule(Schedule.builder("hourly", "rate(1 hour)", "tick").build())
                .schedule(Schedule.builder("nightly", "cron(0 2 * * ? *)", "report")
                        .zone("Europe/Berlin")
                        .input("cost report")
                        .build())
                .schedule(Schedule.builder("weekdays", "cron(0 9 ? * MON-FRI *)", "standup")
                        .zone("America/New_York")
                        .build())
                .meterRegistry(meters)
                .build();
        runtime.addTrigger(trigger);

        long began = System.nanoTime();
        clock.advance(Duration.ofDays(365));
        Duration took = Duration.ofNanos(System.nanoTime() - began);

        int weekdays = 0;
        for (LocalDate day = LocalDate.of(2027, 1, 1); day.getYear() == 2027; day = day.plusDays(1)) {
            weekdays += day.getDayOfWeek().compareTo(DayOfWeek.FRIDAY) <= 0 ? 1 : 0;
        }
        assertThat(runtime.ledger().usage("tick").requests()).isEqualTo(365 * 24);
        // 02:00 in Berlin does not exist on 28 March, when the clocks skip from 02:00 to 03:00
        assertThat(runtime.ledger().usage("report").requests()).isEqualTo(364);
        assertThat(runtime.ledger().usage("standup").requests())
                .isEqualTo(weekdays)
                .isEqualTo(261);
        assertThat(ticks).hasSize(365 * 24);
        assertThat(ticks.stream().map(ScheduledEvent::scheduledTime))
                .isSorted()
                .startsWith(NEW_YEAR.plusSeconds(3600), NEW_YEAR.plusSeconds(7200))
                .endsWith(NEW_YEAR.plus(Duration.ofDays(365)));
        assertThat(ticks).allSatisfy(tick -> {
            assertThat(tick.schedule()).isEqualTo("hourly");
            assertThat(tick.target()).isEqualTo("tick");
            assertThat(tick.time()).isEqualTo(tick.scheduledTime()); // a manual clock is never late
        });
        assertThat(types).containsOnly(InvocationType.EVENT);
        assertThat(inputs).hasSize(364).containsOnly("cost report");
        assertThat(meters.get("faas.schedule.fires")
                        .tag("schedule", "hourly")
                        .counter()
                        .count())
                .isEqualTo(365 * 24);
        assertThat(meters.get("faas.schedule.late")
                        .tag("schedule", "nightly")
                        .timer()
                        .max(TimeUnit.NANOSECONDS))
                .isZero();
        log.info("a year of three schedules ({} fires) took {} ms", 365 * 24 + 364 + 261, took.toMillis());
    }

    @Test
    void anEndStopsASchedulesFiresAndADisabledOneFiresNothing() {
        runtime.addTrigger(ScheduleTrigger.builder()
                .schedule(Schedule.builder("ten-days", "rate(1 day)", "tick")
                        .start(NEW_YEAR)
                        .end(NEW_YEAR.plus(Duration.ofDays(10)))
                        .build())
                .schedule(Schedule.builder("off", "cron(0/1 * * * ? *)", "report")
                        .input("never")
                        .enabled(false)
                        .build())
                .build());

        clock.advance(Duration.ofDays(30));

        assertThat(ticks)
                .extracting(ScheduledEvent::scheduledTime)
                .hasSize(9)
                .endsWith(NEW_YEAR.plus(Duration.ofDays(9)));
        assertThat(inputs).isEmpty();
        assertThat(clock.pendingTimers()).as("nothing left armed").isZero();
    }

    @Test
    void aSynchronousScheduleInvokesRequestResponseAndCountsFailures() {
        runtime.deploy(FunctionSpec.of("flaky", ScheduledEvent.class, Void.class, () -> (tick, context) -> {
            throw new IllegalStateException("down");
        }));
        runtime.addTrigger(ScheduleTrigger.builder()
                .schedule(Schedule.builder("sync", "rate(1 minute)", "tick")
                        .synchronous(true)
                        .build())
                .schedule(Schedule.builder("failing", "rate(1 minute)", "flaky")
                        .synchronous(true)
                        .build())
                .meterRegistry(meters)
                .build());

        clock.advance(Duration.ofMinutes(3));
        runtime.awaitQuiescence(Duration.ofSeconds(5));

        assertThat(types).hasSize(3).containsOnly(InvocationType.REQUEST_RESPONSE);
        assertThat(meters.get("faas.schedule.failures")
                        .tag("schedule", "failing")
                        .counter()
                        .count())
                .isEqualTo(3);
        assertThat(runtime.ledger().usage("flaky").requests()).as("not retried").isEqualTo(3);
    }

    @Test
    void startRefusesAScheduleWhoseFunctionIsMissingOrTakesAnotherInput() {
        ScheduleTrigger missing = ScheduleTrigger.builder()
                .schedule(Schedule.builder("gone", "rate(1 hour)", "nowhere").build())
                .build();
        ScheduleTrigger wrongInput = ScheduleTrigger.builder()
                .schedule(Schedule.builder("numbers", "rate(1 hour)", "report")
                        .input(42)
                        .build())
                .build();
        ScheduleTrigger noInput = ScheduleTrigger.builder()
                .schedule(Schedule.builder("bare", "rate(1 hour)", "report").build())
                .build();

        assertThatThrownBy(() -> runtime.addTrigger(missing))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("schedule 'gone'")
                .hasMessageContaining("'nowhere', which is not deployed");
        assertThatThrownBy(() -> runtime.addTrigger(wrongInput))
                .isInstanceOf(PayloadTypeException.class)
                .hasMessageContaining("gives function 'report' a java.lang.Integer, but it takes java.lang.String");
        assertThatThrownBy(() -> runtime.addTrigger(noInput))
                .isInstanceOf(PayloadTypeException.class)
                .hasMessageContaining(
                        "give schedule 'bare' an input of that type, or let the function take" + " ScheduledEvent");
        assertThat(clock.pendingTimers()).as("nothing armed").isZero();
    }

    @Test
    void aScheduleRefusesBadSettingsNamingThem() {
        assertThat(field(() -> schedule("has space").build())).isEqualTo("name");
        assertThat(field(() -> schedule("").build())).isEqualTo("name");
        assertThat(field(() -> schedule("x".repeat(65)).build())).isEqualTo("name");
        assertThat(field(() -> Schedule.builder("ok", "rate(1 hour)", " ").build()))
                .isEqualTo("function");
        assertThat(field(() -> schedule("ok").zone("Mars/Olympus"))).isEqualTo("zone");
        assertThat(field(() ->
                        schedule("ok").flexibleWindow(Duration.ofSeconds(30)).build()))
                .isEqualTo("flexibleWindow");
        assertThat(field(() ->
                        schedule("ok").flexibleWindow(Duration.ofMinutes(1441)).build()))
                .isEqualTo("flexibleWindow");
        assertThat(field(() ->
                        schedule("ok").flexibleWindow(Duration.ofSeconds(90)).build()))
                .isEqualTo("flexibleWindow");
        assertThat(field(
                        () -> schedule("ok").missedAfter(Duration.ofSeconds(-1)).build()))
                .isEqualTo("missedAfter");
        assertThat(field(() -> schedule("ok").missedAfter(Duration.ZERO).build()))
                .isEqualTo("missedAfter");
        assertThat(field(() -> Schedule.builder("w", "rate(5 minutes)", "tick")
                        .flexibleWindow(Duration.ofMinutes(10))
                        .build()))
                .isEqualTo("flexibleWindow");
        assertThat(field(() -> schedule("e").start(NEW_YEAR).end(NEW_YEAR).build()))
                .isEqualTo("end");
        assertThat(field(() -> Schedule.builder("gap", "at(2027-03-14T02:30:00)", "tick")
                        .zone("America/New_York")
                        .build()))
                .isEqualTo("at");
        assertThat(field(() -> ScheduleTrigger.builder()
                        .schedule(schedule("ok").build())
                        .schedule(
                                Schedule.builder("ok", "rate(2 hours)", "tick").build())))
                .isEqualTo("name");
        assertThatThrownBy(() -> ScheduleTrigger.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has no schedules");
        Schedule valid = schedule("ok").zone("Europe/Berlin").seed(3).build();
        assertThat(valid.toBuilder().build()).isEqualTo(valid);
        assertThatThrownBy(() -> new Schedule(
                        "direct",
                        valid.expression(),
                        "tick",
                        Optional.empty(),
                        valid.zone(),
                        Optional.empty(),
                        Optional.empty(),
                        Duration.ofSeconds(1),
                        0,
                        true,
                        false,
                        Schedule.MissedFires.SKIP,
                        Schedule.DEFAULT_MISSED_AFTER))
                .as("the record checks what the builder does")
                .isInstanceOf(InvalidScheduleException.class)
                .hasMessageContaining("1 to 1440 whole minutes");
    }

    private static Schedule.Builder schedule(String name) {
        return Schedule.builder(name, "rate(1 hour)", "tick");
    }

    @Test
    void aFlexibleWindowSpreadsFiresReproduciblyFromTheSeed() {
        Schedule first = Schedule.builder("spread", "cron(0 * * * ? *)", "tick")
                .flexibleWindow(Duration.ofMinutes(15))
                .seed(7)
                .build();
        Schedule again = Schedule.builder("spread", "cron(0 * * * ? *)", "tick")
                .flexibleWindow(Duration.ofMinutes(15))
                .seed(7)
                .build();
        Schedule otherSeed = Schedule.builder("spread", "cron(0 * * * ? *)", "tick")
                .flexibleWindow(Duration.ofMinutes(15))
                .seed(8)
                .build();
        List<Instant> hours = first.nextFireTimes(NEW_YEAR, 200);

        List<Duration> offsets = hours.stream()
                .map(hour -> Duration.between(hour, first.fireTime(hour)))
                .toList();
        assertThat(offsets).allSatisfy(offset -> assertThat(offset).isBetween(Duration.ZERO, Duration.ofMinutes(15)));
        assertThat(offsets.stream().filter(offset -> offset.compareTo(Duration.ofMinutes(7)) < 0))
                .as("about half in the window's first half")
                .hasSizeBetween(70, 130);
        assertThat(hours).allSatisfy(hour -> assertThat(again.fireTime(hour)).isEqualTo(first.fireTime(hour)));
        assertThat(hours.stream().filter(hour -> !otherSeed.fireTime(hour).equals(first.fireTime(hour))))
                .hasSizeGreaterThan(190);

        runtime.addTrigger(ScheduleTrigger.builder().schedule(first).build());
        clock.advance(Duration.ofHours(5).plus(Duration.ofMinutes(15))); // the fires of 01:00 to 05:00, no more
        assertThat(ticks)
                .extracting(ScheduledEvent::time)
                .containsExactlyElementsOf(
                        hours.subList(0, 5).stream().map(first::fireTime).toList());
        assertThat(ticks).extracting(ScheduledEvent::scheduledTime).containsExactlyElementsOf(hours.subList(0, 5));
    }

    @Test
    void missedFiresAfterAClockJumpFireOnceForTheLatest() {
        JumpingClock jumping = new JumpingClock(clock);
        try (FaasRuntime host = hostOn(jumping);
                LogCapture log = LogCapture.of(ScheduleTrigger.class.getName(), Level.WARN)) {
            host.addTrigger(ScheduleTrigger.builder()
                    .schedule(Schedule.builder("hourly", "rate(1 hour)", "tick").build())
                    .meterRegistry(meters)
                    .build());

            jumping.jump(Duration.ofHours(5)); // the wall clock leaps; the timer's own wait does not
            clock.advance(Duration.ofHours(1));
            host.awaitQuiescence(Duration.ofSeconds(5));

            // 01:00 to 05:00 were missed and fire once, for 05:00; 06:00 is due now, and fires on time
            Instant six = NEW_YEAR.plus(Duration.ofHours(6));
            assertThat(ticks).extracting(ScheduledEvent::scheduledTime).containsExactly(six.minusSeconds(3600), six);
            assertThat(ticks).extracting(ScheduledEvent::time).containsOnly(six);
            assertThat(meters.get("faas.schedule.missed").counter().count()).isEqualTo(4);
            assertThat(meters.get("faas.schedule.late").timer().max(TimeUnit.MINUTES))
                    .isEqualTo(60);
            assertThat(log.messages())
                    .singleElement()
                    .asString()
                    .contains(
                            "5 fire(s) came due from 2027-01-01T01:00:00Z to 2027-01-01T05:00:00Z",
                            "it fires once now");

            clock.advance(Duration.ofHours(1));
            host.awaitQuiescence(Duration.ofSeconds(5));
            assertThat(ticks).extracting(ScheduledEvent::scheduledTime).endsWith(six.plusSeconds(3600));
        }
    }

    @Test
    void aJumpOfYearsIsNotWalkedFireByFire() {
        JumpingClock jumping = new JumpingClock(clock);
        try (FaasRuntime host = hostOn(jumping);
                LogCapture log = LogCapture.of(ScheduleTrigger.class.getName(), Level.WARN)) {
            host.addTrigger(ScheduleTrigger.builder()
                    .schedule(Schedule.builder("minutely", "cron(* * * * ? *)", "tick")
                            .build())
                    .schedule(Schedule.builder("rate", "rate(1 minute)", "tick").build())
                    .meterRegistry(meters)
                    .build());

            jumping.jump(Duration.ofDays(2 * 365)); // a host whose clock was set right two years on
            clock.advance(Duration.ofMinutes(1));
            host.awaitQuiescence(Duration.ofSeconds(5));

            // per schedule: one fire for the missed run (to 23:59), then 00:00 and 00:01, each within missedAfter
            Instant now = jumping.now();
            assertThat(ticks)
                    .hasSize(6)
                    .allSatisfy(
                            tick -> assertThat(tick.scheduledTime()).isBetween(now.minus(Duration.ofMinutes(2)), now));
            assertThat(log.messages())
                    .hasSize(2)
                    .anySatisfy(line -> assertThat(line).contains("minutely", "more than "));
            // a rate's are counted exactly, by arithmetic: two years and a minute of them, less the three fired
            assertThat(meters.get("faas.schedule.missed")
                            .tag("schedule", "rate")
                            .counter()
                            .count())
                    .isEqualTo(2 * 365 * 24 * 60 + 1 - 3);
        }
    }

    @Test
    void missedFiresAfterAClockJumpAreSkippedWhenTheScheduleSaysSo() {
        JumpingClock jumping = new JumpingClock(clock);
        try (FaasRuntime host = hostOn(jumping)) {
            host.addTrigger(ScheduleTrigger.builder()
                    .schedule(Schedule.builder("nightly", "cron(0 2 * * ? *)", "tick")
                            .missedFires(Schedule.MissedFires.SKIP)
                            .build())
                    .meterRegistry(meters)
                    .build());

            jumping.jump(Duration.ofMinutes(150)); // the host slept from 00:00 to 02:30 on the wall clock
            clock.advance(Duration.ofHours(2));
            host.awaitQuiescence(Duration.ofSeconds(5));
            assertThat(ticks).isEmpty();
            assertThat(meters.get("faas.schedule.missed").counter().count()).isEqualTo(1);

            clock.advance(Duration.ofDays(1));
            host.awaitQuiescence(Duration.ofSeconds(5));
            assertThat(ticks)
                    .extracting(ScheduledEvent::scheduledTime)
                    .containsExactly(Instant.parse("2027-01-02T02:00:00Z"));
        }
    }

    @Test
    void aFlexibleWindowLongerThanTheGapKeepsFiresInOrderAndMissesNone() {
        try (LogCapture log = LogCapture.of(ScheduleTrigger.class.getName(), Level.WARN)) {
            runtime.addTrigger(ScheduleTrigger.builder()
                    .schedule(Schedule.builder("five", "cron(0/5 * * * ? *)", "tick")
                            .flexibleWindow(Duration.ofMinutes(15))
                            .build())
                    .meterRegistry(meters)
                    .build());

            clock.advance(Duration.ofHours(1));

            assertThat(log.messages()).isEmpty();
        }
        List<Instant> scheduled =
                ticks.stream().map(ScheduledEvent::scheduledTime).toList();
        assertThat(scheduled).hasSizeGreaterThan(8).isSorted().doesNotHaveDuplicates();
        assertThat(scheduled).first().isEqualTo(NEW_YEAR.plus(Duration.ofMinutes(5)));
        assertThat(ticks.stream().map(ScheduledEvent::time).toList()).isSorted();
        assertThat(meters.get("faas.schedule.missed").counter().count()).isZero();
    }

    @Test
    void aRateCountsFromItsStartAndACronFiresNothingBeforeItsStart() {
        Schedule startedBefore = Schedule.builder("before", "rate(1 hour)", "tick")
                .start(NEW_YEAR.minus(Duration.ofMinutes(90)))
                .build();
        Schedule startsLater = Schedule.builder("later", "rate(1 hour)", "tick")
                .start(NEW_YEAR.plus(Duration.ofMinutes(10)))
                .build();
        Schedule cronLater = Schedule.builder("cron", "cron(0 * * * ? *)", "tick")
                .start(NEW_YEAR.plus(Duration.ofMinutes(150)))
                .build();
        Schedule cronOnTheHour = Schedule.builder("on", "cron(0 * * * ? *)", "tick")
                .start(NEW_YEAR.plus(Duration.ofHours(3)))
                .build();
        Schedule onceAfterItsEnd = Schedule.builder("once", "at(2027-01-05T00:00:00)", "tick")
                .end(NEW_YEAR.plus(Duration.ofDays(1)))
                .build();
        Schedule onceBeforeItsStart = Schedule.builder("once", "at(2027-01-05T00:00:00)", "tick")
                .start(NEW_YEAR.plus(Duration.ofDays(10)))
                .build();

        assertThat(startedBefore.nextFireTimes(NEW_YEAR, 2))
                .containsExactly(NEW_YEAR.plus(Duration.ofMinutes(30)), NEW_YEAR.plus(Duration.ofMinutes(90)));
        assertThat(startsLater.nextFireTimes(NEW_YEAR, 2))
                .containsExactly(NEW_YEAR.plus(Duration.ofMinutes(70)), NEW_YEAR.plus(Duration.ofMinutes(130)));
        assertThat(cronLater.nextFireTimes(NEW_YEAR, 1)).containsExactly(NEW_YEAR.plus(Duration.ofHours(3)));
        assertThat(cronOnTheHour.nextFireTimes(NEW_YEAR, 1)).containsExactly(NEW_YEAR.plus(Duration.ofHours(3)));
        assertThat(onceAfterItsEnd.nextFireTimes(NEW_YEAR, 5))
                .as("an end does not apply to at")
                .hasSize(1);
        assertThat(onceBeforeItsStart.nextFireTimes(NEW_YEAR, 5))
                .as("nor a start")
                .hasSize(1);
    }

    @Test
    void aRepeatedHourFiresOnceThroughTheTrigger() {
        ManualClock autumn = new ManualClock(Instant.parse("2027-11-06T12:00:00Z"));
        try (FaasRuntime host =
                FaasRuntime.builder().clock(autumn).reportLog(false).build()) {
            host.deploy(FunctionSpec.of("tick", ScheduledEvent.class, Void.class, () -> (tick, context) -> {
                ticks.add(tick);
                return null;
            }));
            host.addTrigger(ScheduleTrigger.builder()
                    .schedule(Schedule.builder("early", "cron(30 1 * * ? *)", "tick")
                            .zone("America/New_York")
                            .build())
                    .build());

            autumn.advance(Duration.ofDays(3));

            assertThat(ticks)
                    .extracting(ScheduledEvent::scheduledTime)
                    .containsExactly(
                            Instant.parse("2027-11-07T05:30:00Z"), // 01:30 EDT, and not 01:30 EST an hour later
                            Instant.parse("2027-11-08T06:30:00Z"),
                            Instant.parse("2027-11-09T06:30:00Z"));
        }
    }

    @Test
    void aThrottledLastFireIsGivenUpWhenADayOld() {
        AtomicInteger tries = new AtomicInteger();
        Invoker alwaysThrottled = new ForwardingInvoker(runtime) {
            @Override
            public String invokeEvent(String function, Object input) {
                tries.incrementAndGet();
                throw new ThrottledException(function, ThrottledException.Reason.QUEUE_FULL, 1, Duration.ZERO);
            }
        };
        ScheduleTrigger trigger = ScheduleTrigger.builder()
                .schedule(Schedule.builder("once", "at(2027-01-01T01:00:00)", "tick")
                        .build())
                .meterRegistry(meters)
                .build();
        try (LogCapture log = LogCapture.of(ScheduleTrigger.class.getName(), Level.WARN)) {
            trigger.start(alwaysThrottled);

            clock.advance(Duration.ofDays(3));

            assertThat(log.messages())
                    .singleElement()
                    .asString()
                    .contains("gave up the fire for 2027-01-01T01:00:00Z", "it was a day old");
            // 1 s, 2 s, 4 s ... up to a minute apart, for a day
            assertThat(tries.get()).isBetween(24 * 60 - 10, 24 * 60 + 10);
            assertThat(meters.get("faas.schedule.missed").counter().count()).isEqualTo(1);
            assertThat(meters.get("faas.schedule.fires").counter().count()).isZero();
        } finally {
            trigger.close();
        }
    }

    @Test
    void aFireTheRuntimeRefusesIsCountedAndTheScheduleGoesOn() {
        runtime.addTrigger(ScheduleTrigger.builder()
                .schedule(Schedule.builder("hourly", "rate(1 hour)", "report")
                        .input("cost")
                        .build())
                .meterRegistry(meters)
                .build());
        clock.advance(Duration.ofHours(1));

        runtime.undeploy("report");
        try (LogCapture log = LogCapture.of(ScheduleTrigger.class.getName(), Level.WARN)) {
            clock.advance(Duration.ofHours(1));
            assertThat(log.messages()).singleElement().asString().contains("could not fire for 2027-01-01T02:00:00Z");
        }
        runtime.deploy(FunctionSpec.of("report", String.class, Void.class, () -> (input, context) -> {
            inputs.add(input);
            return null;
        }));
        clock.advance(Duration.ofHours(1));

        assertThat(inputs).hasSize(2);
        assertThat(meters.get("faas.schedule.failures").counter().count()).isEqualTo(1);
        assertThat(meters.get("faas.schedule.fires").counter().count()).isEqualTo(2);
    }

    @Test
    void aLongWaitLooksAtTheClockHourlySoAJumpIsNoticedWithinTheHour() {
        JumpingClock jumping = new JumpingClock(clock);
        try (FaasRuntime host = hostOn(jumping)) {
            host.addTrigger(ScheduleTrigger.builder()
                    .schedule(Schedule.builder("daily", "cron(0 5 * * ? *)", "tick")
                            .build())
                    .build());

            jumping.jump(Duration.ofHours(6)); // 05:00 on the wall clock has passed; the timer's wait has not
            clock.advance(ScheduleTrigger.LONGEST_WAIT);
            host.awaitQuiescence(Duration.ofSeconds(5));

            assertThat(ticks).singleElement().satisfies(tick -> {
                assertThat(tick.scheduledTime()).isEqualTo(NEW_YEAR.plus(Duration.ofHours(5)));
                assertThat(tick.time()).isEqualTo(NEW_YEAR.plus(Duration.ofHours(7)));
            });
        }
    }

    @Test
    void aFireTheRuntimeThrottlesIsTriedAgainThenGivenUpWhenTheNextComesDue() {
        // Reserved concurrency 0 holds events, and a queue of one is full after the first fire.
        runtime.deploy(FunctionSpec.of("held", ScheduledEvent.class, Void.class, () -> (tick, context) -> null)
                .withConfig(FunctionConfig.builder()
                        .reservedConcurrency(0)
                        .maxQueuedEvents(1)
                        .maxEventAge(Duration.ofHours(6))
                        .build()));
        runtime.addTrigger(ScheduleTrigger.builder()
                .schedule(Schedule.builder("every-5", "rate(5 minutes)", "held").build())
                .meterRegistry(meters)
                .build());

        clock.advance(Duration.ofMinutes(11));
        assertThat(meters.get("faas.schedule.fires").counter().count()).isEqualTo(1); // the fire at 5 min waits
        assertThat(meters.get("faas.schedule.missed").counter().count())
                .as("the one at 10 is being retried")
                .isZero();

        // tried at 10:00, 10:01, 10:03, 10:07, 10:15, 10:31, 11:03, then a minute apart; at 14:03 the next
        // try would come after 15:00, when the next fire is due: given up
        clock.advance(Duration.ofMinutes(5));
        assertThat(meters.get("faas.schedule.missed").counter().count()).isEqualTo(1);
        clock.advance(Duration.ofMinutes(5));
        assertThat(meters.get("faas.schedule.missed").counter().count()).isEqualTo(2);
        assertThat(meters.get("faas.schedule.fires").counter().count()).isEqualTo(1);
    }

    @Test
    void closingCancelsEveryTimerAndStartLogsEachSchedulesNextFire() {
        ScheduleTrigger trigger;
        try (LogCapture log = LogCapture.of(ScheduleTrigger.class.getName(), Level.INFO)) {
            trigger = ScheduleTrigger.builder()
                    .schedule(Schedule.builder("nightly", "cron(0 2 * * ? *)", "tick")
                            .zone("Europe/Berlin")
                            .build())
                    .schedule(Schedule.builder("paused", "rate(1 minute)", "tick")
                            .enabled(false)
                            .build())
                    .schedule(Schedule.builder("past", "at(2020-01-01T00:00:00)", "tick")
                            .build())
                    .build();
            runtime.addTrigger(trigger);

            assertThat(log.messages())
                    .containsExactly(
                            "faas: schedule 'nightly' (cron(0 2 * * ? *) in Europe/Berlin) of function 'tick' fires"
                                    + " next at 2027-01-01T01:00:00Z",
                            "faas: schedule 'paused' (rate(1 minute)) of function 'tick' is disabled: it fires nothing",
                            "faas: schedule 'past' (at(2020-01-01T00:00:00)) of function 'tick' has no fire time after"
                                    + " 2027-01-01T00:00:00Z: it fires nothing");
        }
        assertThat(trigger.nextFireTime("nightly")).contains(Instant.parse("2027-01-01T01:00:00Z"));
        assertThat(trigger.nextFireTime("paused")).isEmpty();

        trigger.close();

        assertThat(trigger.nextFireTime("nightly")).isEmpty();
        clock.advance(Duration.ofDays(3));
        assertThat(ticks).isEmpty();
        assertThatThrownBy(() -> trigger.start(runtime)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void onTheSystemClockAnAtScheduleFiresAtItsSecond() {
        try (FaasRuntime host = FaasRuntime.builder().reportLog(false).build()) {
            host.deploy(FunctionSpec.of("tick", ScheduledEvent.class, Void.class, () -> (tick, context) -> {
                ticks.add(tick);
                return null;
            }));
            LocalDateTime soon =
                    LocalDateTime.now(ZoneOffset.UTC).plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
            host.addTrigger(ScheduleTrigger.builder()
                    .schedule(Schedule.builder(
                                    "soon",
                                    "at(" + soon.format(DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss")) + ")",
                                    "tick")
                            .build())
                    .build());

            await().atMost(Duration.ofSeconds(10)).until(() -> !ticks.isEmpty());

            ScheduledEvent tick = ticks.remove();
            assertThat(tick.scheduledTime()).isEqualTo(soon.toInstant(ZoneOffset.UTC));
            assertThat(tick.time())
                    .isBetween(tick.scheduledTime(), tick.scheduledTime().plusSeconds(5));
        }
    }

    private static String field(Runnable build) {
        try {
            build.run();
        } catch (InvalidScheduleException invalid) {
            return invalid.field();
        }
        throw new AssertionError("no InvalidScheduleException");
    }

    /** A runtime on {@code jumping}, which the manual clock waits for, with a "tick" function that keeps its ticks. */
    private FaasRuntime hostOn(JumpingClock jumping) {
        FaasRuntime host = FaasRuntime.builder().clock(jumping).reportLog(false).build();
        jumping.settles(host);
        host.deploy(FunctionSpec.of("tick", ScheduledEvent.class, Void.class, () -> (tick, context) -> {
            ticks.add(tick);
            return null;
        }));
        return host;
    }

    /** An invoker that hands every call to another: override what a test changes. */
    private static class ForwardingInvoker implements Invoker {
        private final Invoker delegate;

        ForwardingInvoker(Invoker delegate) {
            this.delegate = delegate;
        }

        @Override
        public Object invoke(String function, Object input) {
            return delegate.invoke(function, input);
        }

        @Override
        public CompletableFuture<Object> invokeAsync(String function, Object input) {
            return delegate.invokeAsync(function, input);
        }

        @Override
        public String invokeEvent(String function, Object input) {
            return delegate.invokeEvent(function, input);
        }

        @Override
        public String invokeEvent(String function, Object input, String idempotencyKey) {
            return delegate.invokeEvent(function, input, idempotencyKey);
        }

        @Override
        public <I, O> FunctionRef<I, O> function(String name, Class<I> inputType, Class<O> outputType) {
            return delegate.function(name, inputType, outputType);
        }

        @Override
        public Optional<FunctionSpec<?, ?>> describe(String function) {
            return delegate.describe(function);
        }

        @Override
        public TimeSource clock() {
            return delegate.clock();
        }
    }

    /** The manual clock's time, plus a wall-clock offset that can leap ahead as a host's clock does after a sleep. */
    private static final class JumpingClock implements TimeSource {
        private final ManualClock manual;
        private volatile Duration offset = Duration.ZERO;

        JumpingClock(ManualClock manual) {
            this.manual = manual;
        }

        void jump(Duration by) {
            offset = offset.plus(by);
        }

        /**
         * Has the manual clock wait for {@code host} before, between and after firings, as it waits
         * for a runtime built on it: a runtime on this clock is not one, so it does not join by itself.
         */
        void settles(FaasRuntime host) {
            manual.join(() -> {
                host.awaitQuiescence(Duration.ofSeconds(5));
                return Optional.empty();
            });
        }

        @Override
        public Instant now() {
            return manual.now().plus(offset);
        }

        @Override
        public long nanoTime() {
            return manual.nanoTime();
        }

        @Override
        public Cancellable schedule(Duration delay, Runnable task) {
            return manual.schedule(delay, task);
        }
    }
}
