package dev.faas.core;

import static dev.faas.core.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.Context;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionInitException;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.FunctionTimeoutException;
import dev.faas.api.Handler;
import dev.faas.api.InvocationReport;
import dev.faas.api.ManualClock;
import dev.faas.api.Outcome;
import dev.faas.api.ThrottledException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class TimeoutTest {

    private static final Duration TIMEOUT = Duration.ofMillis(200);

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    private final Gate gate = fixture.gate();

    @Test
    void releasesTheCallerAtTheDeadlineEvenWhenTheHandlerIgnoresInterrupts() {
        FaasRuntime runtime = fixture.start();
        AtomicBoolean closed = new AtomicBoolean();
        AtomicInteger inits = new AtomicInteger();
        FunctionRef<String, String> stubborn =
                runtime.deploy(FunctionSpec.of("stubborn", String.class, String.class, () -> {
                            inits.incrementAndGet();
                            return new Stubborn(closed);
                        })
                        .withConfig(FunctionConfig.builder()
                                .timeout(TIMEOUT)
                                .reservedConcurrency(1)
                                .build()));

        long start = System.nanoTime();
        assertThatThrownBy(() -> stubborn.invoke("x"))
                .isInstanceOf(FunctionTimeoutException.class)
                .hasMessageContaining("function 'stubborn' timed out after 200 ms");
        Duration waited = Duration.ofNanos(System.nanoTime() - start);

        assertThat(waited).isBetween(TIMEOUT, TIMEOUT.plusSeconds(2));
        // The thread still runs: it keeps its slot, it is counted, and its handler is not closed yet.
        assertThat(runtime.status().orphanedThreads()).isEqualTo(1);
        assertThat(runtime.status().functions().get("stubborn").concurrentExecutions())
                .isEqualTo(1);
        assertThatThrownBy(() -> stubborn.invoke("y"))
                .isInstanceOfSatisfying(
                        ThrottledException.class,
                        e -> assertThat(e.reason()).isEqualTo(ThrottledException.Reason.RESERVED_CONCURRENCY));
        assertThat(closed).isFalse();

        gate.open();

        eventually().untilAsserted(() -> {
            assertThat(runtime.status().orphanedThreads()).isZero();
            assertThat(runtime.status().concurrentExecutions()).isZero();
            assertThat(closed).isTrue();
        });
        // Its environment was discarded: the next call starts cold.
        assertThat(inits).hasValue(1);
        assertThat(stubborn.invokeForReport("z").coldStart()).isTrue();
        assertThat(inits).hasValue(2);
    }

    @Test
    void interruptsTheHandlersThread() {
        FaasRuntime runtime = fixture.start();
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        FunctionRef<String, String> sleeper =
                runtime.deploy(FunctionSpec.of("sleeper", String.class, String.class, () -> (input, context) -> {
                            try {
                                new CountDownLatch(1).await();
                            } catch (InterruptedException e) {
                                interrupted.complete(context.isCancelled());
                                throw e;
                            }
                            return "never";
                        })
                        .withConfig(FunctionConfig.builder().timeout(TIMEOUT).build()));

        assertThatThrownBy(() -> sleeper.invoke("x")).isInstanceOf(FunctionTimeoutException.class);

        assertThat(interrupted.join())
                .as("context.isCancelled() when interrupted")
                .isTrue();
    }

    @Test
    void timesOutOnlyWhenAManualClockReachesTheDeadline() {
        ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        FaasRuntime runtime = fixture.start(b -> b.clock(clock));
        FunctionRef<String, String> blocked = runtime.deploy(FunctionSpec.of(
                        "blocked", String.class, String.class, () -> (input, context) -> {
                            gate.pass();
                            return "released";
                        })
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofSeconds(3)).build()));

        CompletableFuture<String> call = blocked.invokeAsync("x");
        clock.advance(Duration.ofSeconds(3).minusNanos(1));
        assertThat(call).isNotDone();

        clock.advance(Duration.ofNanos(1));
        assertThat(call).isCompletedExceptionally();
        assertThatThrownBy(call::join)
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOf(FunctionTimeoutException.class);

        gate.open();
    }

    @Test
    void billsATimeoutForTheFullTimeout() throws InterruptedException {
        ManualClock clock = new ManualClock(Instant.EPOCH);
        FaasRuntime runtime = fixture.start(b -> b.clock(clock));
        FunctionRef<String, String> blocked = runtime.deploy(FunctionSpec.of(
                        "blocked", String.class, String.class, () -> (input, context) -> {
                            gate.pass();
                            return "released";
                        })
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofSeconds(3)).build()));
        CompletableFuture<InvocationReport> report =
                CompletableFuture.supplyAsync(() -> blocked.invokeForReport("x"), Thread::startVirtualThread);
        gate.awaitArrivals(1);

        clock.advance(Duration.ofSeconds(5));

        InvocationReport timedOut = report.join();
        assertThat(timedOut.outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(timedOut.duration()).isEqualTo(Duration.ofSeconds(3));
        // On the manual clock the INIT phase took no time: 3,000 ms and not a millisecond more.
        assertThat(timedOut.billedDurationMs()).isEqualTo(3000);
        assertThat(timedOut.error()).get().isInstanceOf(FunctionTimeoutException.class);
        gate.open();
    }

    @Test
    void anInitPastItsTimeoutIsAnInitError() throws InterruptedException {
        ManualClock clock = new ManualClock(Instant.EPOCH);
        FaasRuntime runtime = fixture.start(b -> b.clock(clock));
        FunctionRef<String, String> slowInit =
                runtime.deploy(FunctionSpec.of("slow-init", String.class, String.class, () -> {
                            gate.pass();
                            return (input, context) -> input;
                        })
                        .withConfig(FunctionConfig.builder()
                                .initTimeout(Duration.ofSeconds(10))
                                .build()));
        CompletableFuture<InvocationReport> report =
                CompletableFuture.supplyAsync(() -> slowInit.invokeForReport("x"), Thread::startVirtualThread);
        gate.awaitArrivals(1);

        clock.advance(Duration.ofSeconds(10));

        InvocationReport initError = report.join();
        assertThat(initError.outcome()).isEqualTo(Outcome.INIT_ERROR);
        assertThat(initError.initDuration()).contains(Duration.ofSeconds(10));
        assertThat(initError.billedDurationMs()).isEqualTo(10_000);
        assertThat(initError.error())
                .get()
                .isInstanceOf(FunctionInitException.class)
                .extracting(Throwable::getMessage)
                .asString()
                .contains("passed its initTimeout of 10000 ms");
        gate.open();
    }

    @Test
    void aHandlerThatEndsJustBeforeItsDeadlineSucceeds() {
        ManualClock clock = new ManualClock(Instant.EPOCH);
        FaasRuntime runtime = fixture.start(b -> b.clock(clock));
        FunctionRef<String, Duration> remaining = runtime.deploy(FunctionSpec.of(
                        "remaining", String.class, Duration.class, () -> (input, context) -> {
                            gate.pass();
                            return context.remainingTime();
                        })
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofSeconds(3)).build()));

        CompletableFuture<Duration> call = remaining.invokeAsync("x");
        clock.advance(Duration.ofMillis(2999));
        gate.open();

        assertThat(call.join()).isEqualTo(Duration.ofMillis(1));
    }

    /** Ignores interrupts until released; records being closed. */
    private final class Stubborn implements Handler<String, String>, AutoCloseable {
        private final AtomicBoolean closed;

        Stubborn(AtomicBoolean closed) {
            this.closed = closed;
        }

        @Override
        public String handle(String input, Context context) {
            while (true) {
                try {
                    gate.pass();
                    return "finally";
                } catch (InterruptedException ignored) {
                    // this handler does not care
                }
            }
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }
}
