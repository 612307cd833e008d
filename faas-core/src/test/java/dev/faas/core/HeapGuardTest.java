package dev.faas.core;

import static dev.faas.core.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.InvocationReport;
import dev.faas.api.MemoryLimitExceededException;
import dev.faas.api.Outcome;
import dev.faas.api.ThrottledException;
import dev.faas.core.internal.memory.HeapGuard;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The heap-pressure guard's decisions, driven by hand: the guard here does not listen to the real
 * collector, so only the fills the test reports count. {@code HeapPressureTest} runs the real thing.
 */
final class HeapGuardTest {

    private static final int MB = 1 << 20;

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    private final Gate gate = fixture.gate();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    static volatile Object sink;

    @Test
    void refusesNewCallsPastTheHighWaterMarkAndTakesThemAgainBelowIt() {
        FaasRuntime runtime = startWithHandDrivenGuard();
        FunctionRef<String, String> echo =
                runtime.deploy(FunctionSpec.of("echo", String.class, String.class, () -> (input, context) -> input));
        HeapGuard guard = runtime.engine().heapGuard;

        try (LogCapture log = LogCapture.of(FaasRuntime.class.getName(), Level.INFO)) {
            guard.afterCollection(0.80);
            assertThat(echo.invoke("fine")).isEqualTo("fine");

            guard.afterCollection(0.92);
            guard.afterCollection(0.93);
            assertThatThrownBy(() -> echo.invoke("refused"))
                    .isInstanceOfSatisfying(ThrottledException.class, e -> {
                        assertThat(e.reason()).isEqualTo(ThrottledException.Reason.HEAP_PRESSURE);
                        assertThat(e.limit()).isEqualTo(93);
                    })
                    .hasMessageContaining("the heap is 93% full");

            guard.afterCollection(0.40);
            assertThat(echo.invoke("again")).isEqualTo("again");
            assertThat(log.messages())
                    .filteredOn(line -> line.contains("high-water"))
                    .as("one WARN per episode")
                    .hasSize(1);
        }
        assertThat(registry.get("faas.throttles")
                        .tag("function", "echo")
                        .tag("reason", "HEAP_PRESSURE")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void letsEventsWaitUnderPressureAndRunAfter() {
        FaasRuntime runtime = startWithHandDrivenGuard();
        AtomicInteger ran = new AtomicInteger();
        FunctionRef<String, String> event =
                runtime.deploy(FunctionSpec.of("event", String.class, String.class, () -> (input, context) -> {
                    ran.incrementAndGet();
                    return input;
                }));
        HeapGuard guard = runtime.engine().heapGuard;

        guard.afterCollection(0.91);
        event.invokeEvent("waits");
        runtime.awaitQuiescence(Duration.ofSeconds(5));
        assertThat(ran).hasValue(0);

        guard.afterCollection(0.50);
        eventually().untilAsserted(() -> assertThat(ran).hasValue(1));
    }

    @Test
    void stopsTheCallFurthestOverItsDeclaredMemoryPastTheCriticalMark() throws InterruptedException {
        FaasRuntime runtime = startWithHandDrivenGuard();
        CountDownLatch holding = new CountDownLatch(2);
        FunctionRef<Integer, Integer> holder =
                runtime.deploy(FunctionSpec.of("holder", Integer.class, Integer.class, () -> (megabytes, context) -> {
                            byte[][] held = new byte[megabytes][];
                            for (int i = 0; i < megabytes; i++) {
                                held[i] = new byte[MB];
                            }
                            sink = held;
                            holding.countDown();
                            gate.pass();
                            return megabytes;
                        })
                        .withConfig(FunctionConfig.builder()
                                .memoryMb(16)
                                .timeout(Duration.ofMinutes(1))
                                .build()));
        CompletableFuture<InvocationReport> light =
                CompletableFuture.supplyAsync(() -> holder.invokeForReport(4), Thread::startVirtualThread);
        CompletableFuture<InvocationReport> heavy =
                CompletableFuture.supplyAsync(() -> holder.invokeForReport(64), Thread::startVirtualThread);
        holding.await();

        runtime.engine().heapGuard.afterCollection(0.97);

        InvocationReport stopped = heavy.join();
        assertThat(stopped.outcome()).isEqualTo(Outcome.MEMORY_LIMIT);
        assertThat(stopped.error())
                .get()
                .isInstanceOf(MemoryLimitExceededException.class)
                .extracting(Throwable::getMessage)
                .asString()
                .contains("stopped by the heap-pressure guard: the heap was 97% full")
                .contains("against a memoryMb of 16 MB");
        assertThat(light).isNotDone();
        assertThat(registry.get("faas.memory.pressure")
                        .tag("function", "holder")
                        .counter()
                        .count())
                .isEqualTo(1);

        runtime.engine().heapGuard.afterCollection(0.50);
        gate.open();
        assertThat(light.join().outcome()).isEqualTo(Outcome.SUCCESS);
    }

    @Test
    void refusesCallsPastTheCeilingThatHalfTheRoomLeftHolds() {
        FaasRuntime runtime = startWithHandDrivenGuard();
        FunctionRef<Integer, Integer> parked =
                runtime.deploy(FunctionSpec.of("parked", Integer.class, Integer.class, () -> (input, context) -> {
                    gate.pass();
                    return input;
                }));
        HeapGuard guard = runtime.engine().heapGuard;
        // Room for six calls below where the ceiling aims, at what a call is taken to hold before it
        // has been measured: half of it, three calls, is the ceiling.
        guard.afterCollection(HeapGuard.CEILING_AIM * 0.90
                - 6.0
                        * HeapGuard.UNMEASURED_BYTES_PER_CALL
                        / Runtime.getRuntime().maxMemory());
        assertThat(guard.ceiling()).isEqualTo(3);

        CompletableFuture<?>[] taken = {parked.invokeAsync(1), parked.invokeAsync(2), parked.invokeAsync(3)};
        gate.awaitArrivals(3);
        assertThat(parked.invokeAsync(4))
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableThat()
                .havingCause()
                .isInstanceOfSatisfying(
                        ThrottledException.class,
                        e -> assertThat(e.reason()).isEqualTo(ThrottledException.Reason.HEAP_PRESSURE));

        guard.afterCollection(0.50);
        assertThat(guard.ceiling()).isGreaterThan(3);
        gate.open();
        assertThat(parked.invoke(5)).isEqualTo(5);
        assertThat(CompletableFuture.allOf(taken)).succeedsWithin(Duration.ofSeconds(5));
    }

    @Test
    void refusesMarksInTheWrongOrder() {
        assertThatThrownBy(() -> FaasRuntime.builder().heapPressure(0.95, 0.90))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("0 < highWater <= critical <= 1");
    }

    /** A runtime whose guard only sees the fills the test reports. */
    private FaasRuntime startWithHandDrivenGuard() {
        return fixture.start(b -> b.heapPressure(0.90, 0.95)
                .handDrivenHeapGuard()
                .allocationMetering(true)
                .meterRegistry(registry));
    }
}
