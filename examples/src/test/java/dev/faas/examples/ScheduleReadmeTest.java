package dev.faas.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.FunctionSpec;
import dev.faas.api.ManualClock;
import dev.faas.api.events.ScheduledEvent;
import dev.faas.core.FaasRuntime;
import dev.faas.triggers.schedule.Schedule;
import dev.faas.triggers.schedule.ScheduleTrigger;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The README's schedule example: run on a manual clock here, and compared with the README's text. */
final class ScheduleReadmeTest {

    @Test
    void theExampleFiresOnItsSchedules() {
        ManualClock clock = new ManualClock(Instant.parse("2027-01-04T00:00:00Z")); // a Monday
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (FaasRuntime runtime =
                FaasRuntime.builder().clock(clock).reportLog(false).build()) {
            runtime.deploy(FunctionSpec.of(
                    "cost-report", ScheduledEvent.class, String.class, () -> (tick, context) -> "report"));
            runtime.deploy(FunctionSpec.of(
                    "price-lookup", String.class, String.class, () -> (item, context) -> item + ": 9.99 EUR"));

            // tag::schedule[]
            ScheduleTrigger schedules = ScheduleTrigger.builder()
                    .schedule(Schedule.builder("nightly-report", "cron(0 2 ? * MON-FRI *)", "cost-report")
                            .zone("Europe/Berlin") // its wall-clock time, across DST
                            .build()) // no input: a ScheduledEvent each fire
                    .schedule(Schedule.builder("warm-up", "rate(5 minutes)", "price-lookup")
                            .input("espresso") // a fixed input instead
                            .flexibleWindow(Duration.ofMinutes(2)) // each fire spread over 2 minutes
                            .build())
                    .meterRegistry(registry) // faas.schedule.* meters
                    .build();
            runtime.addTrigger(schedules); // armed on the runtime's clock; closed with the runtime
            // end::schedule[]

            clock.advance(Duration.ofDays(1).plusMinutes(2));

            assertThat(runtime.ledger().usage("cost-report").requests()).isEqualTo(1); // Monday, 01:00 UTC
            assertThat(runtime.ledger().usage("price-lookup").requests()).isEqualTo(24 * 12);
            assertThat(registry.get("faas.schedule.fires")
                            .tag("schedule", "warm-up")
                            .counter()
                            .count())
                    .isEqualTo(24 * 12);
        }
    }

    @Test
    void readmeShowsTheExampleVerbatim() throws IOException {
        assertThat(ReadmeSnippets.shownAfter("## Schedules"))
                .as("the README's schedule example")
                .isEqualTo(ReadmeSnippets.tagged("ScheduleReadmeTest", "schedule"));
    }
}
