package dev.faas.core;

import static dev.faas.core.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.ThrottledException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class MemoryReservationTest {

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    private final Gate gate = fixture.gate();

    @Test
    void throttlesAtCapacityAndRecovers() throws InterruptedException {
        FaasRuntime runtime = fixture.start(b -> b.memoryCapacityMb(1024));
        FunctionRef<String, String> big = deployBlocking(runtime, "big", 512);
        FunctionRef<String, String> small = deployBlocking(runtime, "small", 128);
        List<CompletableFuture<String>> running = new ArrayList<>();
        running.add(big.invokeAsync("a"));
        running.add(big.invokeAsync("b"));
        gate.awaitArrivals(2);

        assertThatThrownBy(() -> small.invoke("c"))
                .isInstanceOfSatisfying(ThrottledException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ThrottledException.Reason.MEMORY);
                    assertThat(e.limit()).isEqualTo(1024);
                })
                .hasMessageContaining("does not fit in what is left of the 1024 MB memory capacity");
        assertThat(runtime.status().concurrentExecutions())
                .as("the refused call took no slot")
                .isEqualTo(2);

        gate.open();
        running.forEach(CompletableFuture::join);
        assertThat(small.invoke("d")).isEqualTo("d");
        assertThat(runtime.engine().memory.inUse()).isZero();
    }

    @Test
    void anOrphanKeepsItsReservationUntilItsThreadEnds() throws InterruptedException {
        FaasRuntime runtime = fixture.start(b -> b.memoryCapacityMb(256));
        CountDownLatch stubborn = new CountDownLatch(1);
        FunctionRef<String, String> hog =
                runtime.deploy(FunctionSpec.of("hog", String.class, String.class, () -> (input, context) -> {
                            gate.arrive();
                            while (true) {
                                try {
                                    stubborn.await();
                                    return input;
                                } catch (InterruptedException ignored) {
                                    // keeps running past its deadline
                                }
                            }
                        })
                        .withConfig(FunctionConfig.builder()
                                .memoryMb(256)
                                .timeout(Duration.ofMillis(100))
                                .build()));

        CompletableFuture<String> call = hog.invokeAsync("x");
        assertThatThrownBy(call::join).hasCauseInstanceOf(dev.faas.api.FunctionTimeoutException.class);
        assertThatThrownBy(() -> hog.invoke("y"))
                .isInstanceOfSatisfying(
                        ThrottledException.class,
                        e -> assertThat(e.reason()).isEqualTo(ThrottledException.Reason.MEMORY));

        stubborn.countDown();
        eventually()
                .untilAsserted(() -> assertThat(runtime.engine().memory.inUse()).isZero());
    }

    @Test
    void anEventWaitsForMemoryAndRunsWhenItFrees() throws InterruptedException {
        FaasRuntime runtime = fixture.start(b -> b.memoryCapacityMb(512));
        FunctionRef<String, String> big = deployBlocking(runtime, "big", 512);
        AtomicInteger ran = new AtomicInteger();
        FunctionRef<String, String> later =
                runtime.deploy(FunctionSpec.of("later", String.class, String.class, () -> (input, context) -> {
                            ran.incrementAndGet();
                            return input;
                        })
                        .withConfig(FunctionConfig.builder()
                                .memoryMb(256)
                                .reservedConcurrency(5)
                                .build()));
        CompletableFuture<String> running = big.invokeAsync("a");
        gate.awaitArrivals(1);

        later.invokeEvent("waits");
        runtime.awaitQuiescence(Duration.ofSeconds(5));
        assertThat(ran).hasValue(0);

        gate.open();
        running.join();
        eventually().untilAsserted(() -> assertThat(ran).hasValue(1));
    }

    @Test
    void refusesAFunctionLargerThanTheCapacity() {
        FaasRuntime runtime = fixture.start(b -> b.memoryCapacityMb(1024));

        assertThatThrownBy(() -> deployBlocking(runtime, "huge", 2048))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("memoryMb"))
                .hasMessageContaining(
                        "memoryMb must be between 1 and 1024 (the runtime's memoryCapacityMb), but was 2048");
        assertThatThrownBy(() -> FaasRuntime.builder().memoryCapacityMb(0))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("at least 1");
    }

    private FunctionRef<String, String> deployBlocking(FaasRuntime runtime, String name, int memoryMb) {
        return runtime.deploy(FunctionSpec.of(name, String.class, String.class, () -> (input, context) -> {
                    gate.pass();
                    return input;
                })
                .withConfig(FunctionConfig.builder()
                        .memoryMb(memoryMb)
                        .timeout(Duration.ofMinutes(1))
                        .build()));
    }
}
