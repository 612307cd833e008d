package dev.faas.testing.example;

import static dev.faas.testing.FaasAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.Handler;
import dev.faas.api.ManualClock;
import dev.faas.api.Outcome;
import dev.faas.api.events.ObjectCreatedEvent;
import dev.faas.core.FaasRuntime;
import dev.faas.testing.Events;
import dev.faas.testing.FaasTest;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

@FaasTest(concurrencyLimit = 10)
class ThumbnailFunctionTest {

    FaasRuntime runtime; // fresh for each test, on the manual clock, closed after it
    ManualClock clock;

    @Test
    void retriesAFailedUploadAfterTheRetryDelay() {
        AtomicInteger tries = new AtomicInteger();
        Handler<ObjectCreatedEvent, String> makeThumbnail = (upload, context) -> {
            if (tries.incrementAndGet() == 1) {
                throw new IllegalStateException("image store unavailable");
            }
            return "thumbnails/" + upload.key();
        };
        FunctionConfig retryAfterAMinute = FunctionConfig.builder()
                .retryDelay(Duration.ofMinutes(1))
                .memoryMb(512)
                .build();
        FunctionRef<ObjectCreatedEvent, String> thumbnail =
                runtime.deploy(FunctionSpec.of("thumbnail", ObjectCreatedEvent.class, String.class, () -> makeThumbnail)
                        .withConfig(retryAfterAMinute));

        thumbnail.invokeEvent(Events.objectCreated("photos", "cat.jpg", new byte[48_213], clock.now()));
        runtime.awaitQuiescence(Duration.ofSeconds(5)); // the first try has failed; the retry waits
        assertThat(runtime).function("thumbnail").invocations().hasOutcomes(Outcome.ERROR);

        clock.advance(Duration.ofMinutes(1)); // no real waiting: the retry runs now
        runtime.awaitQuiescence(Duration.ofSeconds(5));

        assertThat(runtime)
                .function("thumbnail")
                .invocations()
                .hasSize(2)
                .hasOutcomes(Outcome.ERROR, Outcome.SUCCESS)
                .hasAttempts(1, 2)
                .hasColdStarts(1) // the retry reused the warm environment
                .billedCost()
                .isGreaterThan(BigDecimal.ZERO);
        assertThat(runtime).hasNoDeadLetters();
    }

    @Test
    void timesOutAtTheDeadlineOfTheManualClock() {
        Handler<String, String> waitForever = (input, context) -> {
            new CountDownLatch(1).await(); // interrupted when the runtime gives up on the call
            return input;
        };
        FunctionConfig threeSeconds =
                FunctionConfig.builder().timeout(Duration.ofSeconds(3)).build();
        FunctionRef<String, String> slow =
                runtime.deploy(FunctionSpec.of("slow", String.class, String.class, () -> waitForever)
                        .withConfig(threeSeconds));

        var call = slow.invokeAsync("x");
        runtime.awaitQuiescence(Duration.ofSeconds(5)); // the handler is waiting; nothing else runs
        clock.advance(Duration.ofSeconds(3));

        assertThat(call).failsWithin(Duration.ofSeconds(5));
        assertThat(runtime).function("slow").invocations().hasOutcomes(Outcome.TIMEOUT);
        assertThat(clock.now()).isEqualTo(Instant.parse("2026-01-01T00:00:03Z"));
    }
}
