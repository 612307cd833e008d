package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.FunctionTimeoutException;
import dev.faas.api.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class QuiescenceTest {

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    @Test
    void aHandlerBlockedOnALatchIsQuiescent() {
        FaasRuntime runtime = fixture.start();
        Gate gate = fixture.gate();
        AtomicBoolean reachedTheLatch = new AtomicBoolean();
        FunctionRef<String, String> blocked =
                runtime.deploy(FunctionSpec.of("blocked", String.class, String.class, () -> (input, context) -> {
                    reachedTheLatch.set(true);
                    gate.pass();
                    return input;
                }));
        CompletableFuture<String> call = blocked.invokeAsync("x");

        runtime.awaitQuiescence(Duration.ofSeconds(5));

        assertThat(reachedTheLatch)
                .as("quiescent only once the handler is blocked")
                .isTrue();
        assertThat(call).isNotDone();
        gate.open();
        assertThat(call.join()).isEqualTo("x");
    }

    @Test
    void aSpinningHandlerIsNamedWhenTheWaitGivesUp() {
        FaasRuntime runtime = fixture.start();
        AtomicBoolean stop = new AtomicBoolean();
        FunctionRef<String, String> spin =
                runtime.deploy(FunctionSpec.of("spin", String.class, String.class, () -> (input, context) -> {
                    while (!stop.get()) {
                        Thread.onSpinWait();
                    }
                    return input;
                }));
        CompletableFuture<String> call = spin.invokeAsync("x");

        try {
            assertThatThrownBy(() -> runtime.awaitQuiescence(Duration.ofMillis(200)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("still busy: request ")
                    .hasMessageContaining(" of 'spin' (RUNNABLE)");
        } finally {
            stop.set(true);
        }
        assertThat(call.join()).isEqualTo("x");
    }

    @Test
    void aManualClockWaitsForTheWorkATimerStarts() {
        ManualClock clock = new ManualClock(Instant.EPOCH);
        FaasRuntime runtime = fixture.start(b -> b.clock(clock));
        FunctionRef<String, String> echo =
                runtime.deploy(FunctionSpec.of("echo", String.class, String.class, () -> (input, context) -> input));
        CompletableFuture<String> started = new CompletableFuture<>();

        clock.schedule(
                Duration.ofSeconds(1), () -> echo.invokeAsync("from a timer").thenAccept(started::complete));
        clock.advance(Duration.ofSeconds(1));

        assertThat(started)
                .as("the invocation the timer started has finished when advance returns")
                .isCompletedWithValue("from a timer");
    }

    @Test
    void aComputingHandlerMeetsItsDeadlineOnAManualClock() throws InterruptedException {
        ManualClock clock = new ManualClock(Instant.EPOCH);
        FaasRuntime runtime = fixture.start(b -> b.clock(clock));
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch spinning = new CountDownLatch(1);
        FunctionRef<String, String> spin = runtime.deploy(FunctionSpec.of(
                        "spin", String.class, String.class, () -> (input, context) -> {
                            spinning.countDown();
                            while (!stop.get()) { // ignores its interrupt: it cannot be stopped, only given up on
                                Thread.onSpinWait();
                            }
                            return input;
                        })
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofMillis(100)).build()));

        try {
            CompletableFuture<String> call = spin.invokeAsync("x");
            spinning.await();
            clock.advance(Duration.ofMillis(100)); // waits the user-code grace, then fires the deadline

            assertThatThrownBy(call::join).hasCauseInstanceOf(FunctionTimeoutException.class);
            assertThat(runtime.status().orphanedThreads()).isEqualTo(1);
        } finally {
            stop.set(true);
        }
    }
}
