package dev.faas.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.DestinationEvent;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvocationType;
import dev.faas.api.ManualClock;
import dev.faas.api.Outcome;
import dev.faas.core.FaasRuntime;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@FaasTest(concurrencyLimit = 50, start = "2026-03-01T09:00:00Z")
final class FaasExtensionTest {

    FaasRuntime runtime;
    ManualClock clock;
    FaasRecorder recorder;
    private FunctionRef<String, String> echo;

    @BeforeEach
    void deploy(FaasRuntime injected) {
        assertThat(injected).isSameAs(runtime);
        echo = runtime.deploy(FunctionSpec.of("echo", String.class, String.class, () -> (input, context) -> input));
    }

    @Test
    void injectsARuntimeOnAManualClockIntoFieldsAndParameters(
            FaasRuntime runtime, ManualClock clock, FaasRecorder recorder) {
        assertThat(runtime).isSameAs(this.runtime);
        assertThat(clock).isSameAs(this.clock);
        assertThat(recorder).isSameAs(this.recorder);
        assertThat(clock.now()).isEqualTo(Instant.parse("2026-03-01T09:00:00Z"));
        assertThat(runtime.status().concurrencyLimit()).isEqualTo(50);
    }

    @Test
    @FaasTest(concurrencyLimit = 7)
    void takesTheMethodsSettingsOverTheClasss() {
        assertThat(runtime.status().concurrencyLimit()).isEqualTo(7);
    }

    @Test
    void drivesTheRuntimesTimersWithTheClock() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        FunctionRef<String, String> slow = runtime.deploy(FunctionSpec.of(
                        "slow", String.class, String.class, () -> (input, context) -> {
                            running.countDown();
                            release.await();
                            return input;
                        })
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofSeconds(30)).build()));
        CompletableFuture<String> call = slow.invokeAsync("x");
        running.await();

        clock.advance(Duration.ofSeconds(29));
        assertThat(call).isNotDone();
        clock.advance(Duration.ofSeconds(1));
        assertThat(call).isCompletedExceptionally();

        release.countDown(); // the handler's thread ends: no orphan is left for the extension to report
    }

    @Test
    void recordsEveryInvocationAndDestinationEvent() {
        runtime.deploy(FunctionSpec.of(
                "audit",
                DestinationEvent.class,
                String.class,
                () -> (event, context) -> event.condition().name()));
        FunctionRef<String, String> work = runtime.deploy(
                FunctionSpec.of("work", String.class, String.class, () -> (input, context) -> "done " + input)
                        .withConfig(FunctionConfig.builder().onSuccess("audit").build()));

        echo.invoke("sync");
        String eventId = work.invokeEvent("async");
        runtime.awaitQuiescence(Duration.ofSeconds(5));

        assertThat(recorder.reports())
                .extracting(report -> report.function() + " " + report.type())
                .containsExactly("echo REQUEST_RESPONSE", "work EVENT", "audit EVENT");
        assertThat(recorder.reports("work")).singleElement().satisfies(report -> {
            assertThat(report.requestId()).isEqualTo(eventId);
            assertThat(report.output()).contains("done async");
            assertThat(report.type()).isEqualTo(InvocationType.EVENT);
        });
        assertThat(recorder.reports("audit"))
                .singleElement()
                .satisfies(report -> assertThat(report.outcome()).isEqualTo(Outcome.SUCCESS));
        assertThat(recorder.destinationEvents("work")).singleElement().satisfies(event -> {
            assertThat(event.condition()).isEqualTo(DestinationEvent.Condition.SUCCESS);
            assertThat(event.responsePayload()).contains("done async");
        });
        recorder.clear();
        assertThat(recorder.reports()).isEmpty();
    }
}
