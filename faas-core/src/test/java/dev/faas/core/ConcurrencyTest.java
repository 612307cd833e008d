package dev.faas.core;

import static dev.faas.core.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.ManualClock;
import dev.faas.api.ThrottledException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class ConcurrencyTest {

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    private final Gate gate = fixture.gate();

    @Test
    void throttlesPastTheGlobalLimit() throws InterruptedException {
        FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(2));
        FunctionRef<String, String> blocked = deployBlocking(runtime, "blocked", FunctionConfig.defaults());
        List<CompletableFuture<String>> running = startAndWait(blocked, 2);

        assertThatThrownBy(() -> blocked.invoke("third"))
                .isInstanceOfSatisfying(ThrottledException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ThrottledException.Reason.CONCURRENCY);
                    assertThat(e.limit()).isEqualTo(2);
                    assertThat(e.retryAfter())
                            .as("no call has ended yet: 10 ms, jittered")
                            .isBetween(Duration.ofMillis(5), Duration.ofMillis(15));
                    assertThat(e.functionName()).contains("blocked");
                    assertThat(e.getStackTrace()).as("cheap to throw").isEmpty();
                })
                .hasMessageContaining("all 2 concurrent executions of the shared pool are in use");
        assertThat(blocked.invokeAsync("async")).isCompletedExceptionally();
        assertThat(runtime.status().concurrentExecutions()).isEqualTo(2);

        gate.open();
        running.forEach(CompletableFuture::join);
        assertThat(blocked.invoke("after")).isEqualTo("after");
    }

    @Test
    void hintsToRetryAboutOneCallFromNow() throws InterruptedException {
        ManualClock clock = new ManualClock(Instant.EPOCH);
        FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(1).clock(clock));
        Gate[] gates = {fixture.gate(), fixture.gate()};
        FunctionRef<Integer, Integer> gated = runtime.deploy(FunctionSpec.of(
                        "gated", Integer.class, Integer.class, () -> (which, context) -> {
                            gates[which].pass();
                            return which;
                        })
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofMinutes(1)).build()));
        CompletableFuture<Integer> first = gated.invokeAsync(0);
        gates[0].awaitArrivals(1);
        runtime.awaitQuiescence(Duration.ofSeconds(5));
        clock.advance(Duration.ofMillis(400)); // the call takes 400 ms on the runtime's clock
        gates[0].open();
        first.join();
        CompletableFuture<Integer> second = gated.invokeAsync(1);
        gates[1].awaitArrivals(1);

        try {
            assertThatThrownBy(() -> gated.invoke(1))
                    .isInstanceOfSatisfying(
                            ThrottledException.class,
                            e -> assertThat(e.retryAfter()).isBetween(Duration.ofMillis(200), Duration.ofMillis(600)));
        } finally {
            gates[1].open();
        }
        second.join();
    }

    @Test
    void throttlesPastAReservation() throws InterruptedException {
        FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(10));
        FunctionRef<String, String> reserved = deployBlocking(
                runtime,
                "reserved",
                FunctionConfig.builder().reservedConcurrency(1).build());
        FunctionRef<String, String> shared = deployBlocking(runtime, "shared", FunctionConfig.defaults());
        List<CompletableFuture<String>> running = startAndWait(reserved, 1);

        assertThatThrownBy(() -> reserved.invoke("second"))
                .isInstanceOfSatisfying(ThrottledException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ThrottledException.Reason.RESERVED_CONCURRENCY);
                    assertThat(e.limit()).isEqualTo(1);
                })
                .hasMessageContaining("all 1 of its reserved concurrent executions are in use");
        running.addAll(startAndWait(shared, 9)); // the other 9 are the shared pool's

        assertThatThrownBy(() -> shared.invoke("tenth"))
                .isInstanceOfSatisfying(
                        ThrottledException.class,
                        e -> assertThat(e.reason()).isEqualTo(ThrottledException.Reason.CONCURRENCY));
        gate.open();
        running.forEach(CompletableFuture::join);
    }

    @Test
    void aReservationAlsoProtectsTheFunctionFromTheOthers() throws InterruptedException {
        FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(3));
        FunctionRef<String, String> reserved = deployBlocking(
                runtime,
                "reserved",
                FunctionConfig.builder().reservedConcurrency(2).build());
        FunctionRef<String, String> shared = deployBlocking(runtime, "shared", FunctionConfig.defaults());
        List<CompletableFuture<String>> running = startAndWait(shared, 1);

        assertThatThrownBy(() -> shared.invoke("second")).isInstanceOf(ThrottledException.class);
        running.addAll(startAndWait(reserved, 2));

        assertThat(runtime.status().unreservedConcurrency()).isEqualTo(1);
        gate.open();
        running.forEach(CompletableFuture::join);
    }

    @Test
    void aReservationOfZeroDisablesTheFunction() {
        FaasRuntime runtime = fixture.start();
        FunctionRef<String, String> disabled = runtime.deploy(FunctionSpec.of(
                        "disabled", String.class, String.class, () -> (input, context) -> input)
                .withConfig(FunctionConfig.builder().reservedConcurrency(0).build()));

        assertThatThrownBy(() -> disabled.invoke("x"))
                .isInstanceOfSatisfying(ThrottledException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ThrottledException.Reason.RESERVED_CONCURRENCY);
                    assertThat(e.limit()).isZero();
                })
                .hasMessageContaining("its reservedConcurrency is 0, which disables it");
        assertThatThrownBy(() -> disabled.dryRun("x")).isInstanceOf(ThrottledException.class);
    }

    @Test
    void anUndeployedReservationReturnsToTheSharedPoolWhenItsLastCallEnds() throws InterruptedException {
        FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(10));
        FunctionRef<String, String> reserved = deployBlocking(
                runtime,
                "reserved",
                FunctionConfig.builder().reservedConcurrency(4).build());
        List<CompletableFuture<String>> running = startAndWait(reserved, 1);

        runtime.undeploy("reserved");
        assertThat(runtime.status().unreservedConcurrency()).isEqualTo(6);

        gate.open();
        assertThat(running.getFirst().join()).isEqualTo("call 0");
        eventually()
                .untilAsserted(() ->
                        assertThat(runtime.status().unreservedConcurrency()).isEqualTo(10));
    }

    @Test
    void tenThousandIoBoundCallsRunTogether() {
        int calls = 10_000;
        FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(calls));
        CountDownLatch allStarted = new CountDownLatch(calls);
        FunctionRef<Integer, Integer> io = runtime.deploy(FunctionSpec.of(
                        "io", Integer.class, Integer.class, () -> (input, context) -> {
                            // Each call waits until every call has started: this can only finish if all
                            // 10,000 run at the same time, one after another they would wait forever.
                            allStarted.countDown();
                            if (!allStarted.await(60, TimeUnit.SECONDS)) {
                                throw new IllegalStateException(allStarted.getCount() + " calls never started");
                            }
                            Thread.sleep(10); // a little I/O
                            return input;
                        })
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofSeconds(90)).build()));

        List<CompletableFuture<Integer>> results = new ArrayList<>(calls);
        for (int i = 0; i < calls; i++) {
            results.add(io.invokeAsync(i));
        }

        long sum = results.stream().mapToLong(CompletableFuture::join).sum();
        assertThat(sum).isEqualTo((long) calls * (calls - 1) / 2);
        assertThat(runtime.status().functions().get("io").environments()).isEqualTo(calls);
    }

    private FunctionRef<String, String> deployBlocking(FaasRuntime runtime, String name, FunctionConfig config) {
        return runtime.deploy(FunctionSpec.of(name, String.class, String.class, () -> (input, context) -> {
                    gate.pass();
                    return input;
                })
                .withConfig(config.toBuilder().timeout(Duration.ofMinutes(1)).build()));
    }

    /** Starts {@code count} calls and waits until each handler is running. */
    private List<CompletableFuture<String>> startAndWait(FunctionRef<String, String> function, int count)
            throws InterruptedException {
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            calls.add(function.invokeAsync("call " + i));
        }
        gate.awaitArrivals(count);
        return calls;
    }
}
