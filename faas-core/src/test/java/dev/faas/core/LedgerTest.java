package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.FunctionTimeoutException;
import dev.faas.api.InvocationType;
import dev.faas.api.ManualClock;
import dev.faas.api.Outcome;
import dev.faas.api.ThrottledException;
import dev.faas.api.ledger.InvocationRecord;
import dev.faas.api.ledger.Pricing;
import dev.faas.api.ledger.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class LedgerTest {

    private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    private final ManualClock clock = new ManualClock(START);

    @Test
    void recordsEveryInvocationThatRanAndNoThrottledOne() {
        FaasRuntime runtime = fixture.start(b -> b.clock(clock));
        FunctionRef<String, String> mixed =
                runtime.deploy(FunctionSpec.of("mixed", String.class, String.class, () -> (input, context) -> {
                            if (input.equals("fail")) {
                                throw new IllegalArgumentException("bad");
                            }
                            return input;
                        })
                        .withConfig(FunctionConfig.builder().memoryMb(512).build()));
        runtime.deploy(FunctionSpec.of("disabled", String.class, String.class, () -> (input, context) -> input)
                .withConfig(FunctionConfig.builder().reservedConcurrency(0).build()));

        String ok = mixed.invokeForReport("ok").requestId();
        String failed = mixed.invokeForReport("fail").requestId();
        assertThatThrownBy(() -> runtime.invoke("disabled", "x")).isInstanceOf(ThrottledException.class);

        List<InvocationRecord> entries = runtime.ledger().entries();
        assertThat(entries).extracting(InvocationRecord::requestId).containsExactly(ok, failed);
        InvocationRecord first = entries.getFirst();
        assertThat(first.function()).isEqualTo("mixed");
        assertThat(first.version()).isEqualTo("$LATEST");
        assertThat(first.type()).isEqualTo(InvocationType.REQUEST_RESPONSE);
        assertThat(first.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(first.start()).isEqualTo(START);
        assertThat(first.coldStart()).isTrue();
        assertThat(first.initDuration()).contains(Duration.ZERO);
        assertThat(first.attempt()).isEqualTo(1);
        assertThat(first.memoryMb()).isEqualTo(512);
        assertThat(first.billedDurationMs()).isEqualTo(1);
        assertThat(first.allocatedBytes()).isEqualTo(-1);
        assertThat(first.errorType()).isEmpty();
        assertThat(first.gbSeconds()).isEqualByComparingTo("0.0005");
        assertThat(first.cost())
                .isEqualByComparingTo(new BigDecimal("0.0000002")
                        .add(new BigDecimal("0.0005").multiply(new BigDecimal("0.0000166667"))));
        assertThat(entries.get(1).outcome()).isEqualTo(Outcome.ERROR);
        assertThat(entries.get(1).errorType()).contains("java.lang.IllegalArgumentException");
        assertThat(runtime.ledger().usage("disabled")).isEqualTo(Usage.ZERO);
    }

    @Test
    void roundsEachDurationUpToAWholeMillisecond() throws InterruptedException {
        FaasRuntime runtime = fixture.start(b -> b.clock(clock));
        Turnstile gate = new Turnstile();
        FunctionRef<String, String> timed = runtime.deploy(
                FunctionSpec.of("timed", String.class, String.class, () -> (input, context) -> gate.pass(input)));
        timed.invoke("warm up");

        assertThat(billedFor(timed, gate, Duration.ZERO)).isEqualTo(1);
        assertThat(billedFor(timed, gate, Duration.ofNanos(1))).isEqualTo(1);
        assertThat(billedFor(timed, gate, Duration.ofMillis(1))).isEqualTo(1);
        assertThat(billedFor(timed, gate, Duration.ofMillis(1).plusNanos(1))).isEqualTo(2);
        assertThat(billedFor(timed, gate, Duration.ofMillis(250))).isEqualTo(250);
    }

    @Test
    void billsTheInitPhaseOnlyWhenThePricingSaysSo() throws InterruptedException {
        Pricing initFree = new Pricing(
                Pricing.LAMBDA_X86_64.perRequest(), Pricing.LAMBDA_X86_64.perGbSecond(), Duration.ofMillis(1), false);
        for (Pricing pricing : List.of(Pricing.LAMBDA_X86_64, initFree)) {
            ManualClock time = new ManualClock(START);
            FaasRuntime runtime = fixture.start(b -> b.clock(time).pricing(pricing));
            Gate gate = fixture.gate();
            FunctionRef<String, String> slowStart =
                    runtime.deploy(FunctionSpec.of("slow-start", String.class, String.class, () -> {
                        gate.pass();
                        return (input, context) -> input;
                    }));
            CompletableFuture<String> call =
                    CompletableFuture.supplyAsync(() -> slowStart.invoke("x"), Thread::startVirtualThread);
            gate.awaitArrivals(1);
            time.advance(Duration.ofMillis(800));
            gate.open();
            call.join();

            InvocationRecord record = runtime.ledger().entries().getFirst();
            assertThat(record.initDuration()).contains(Duration.ofMillis(800));
            assertThat(record.billedDurationMs()).isEqualTo(pricing.billInit() ? 800 : 1);
        }
    }

    @Test
    void billsATimeoutForItsFullTimeout() throws InterruptedException {
        FaasRuntime runtime = fixture.start(b -> b.clock(clock));
        Gate gate = fixture.gate();
        FunctionRef<String, String> slow =
                runtime.deploy(FunctionSpec.of("slow", String.class, String.class, () -> (input, context) -> {
                            gate.pass();
                            return input;
                        })
                        .withConfig(FunctionConfig.builder()
                                .timeout(Duration.ofSeconds(2))
                                .memoryMb(1024)
                                .build()));
        CompletableFuture<String> call = slow.invokeAsync("x");
        gate.awaitArrivals(1);

        clock.advance(Duration.ofSeconds(2));

        assertThat(call).isCompletedExceptionally();
        InvocationRecord record = runtime.ledger().entries().getFirst();
        assertThat(record.outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(record.errorType()).contains(FunctionTimeoutException.class.getName());
        assertThat(record.billedDurationMs()).isEqualTo(2000);
        assertThat(record.gbSeconds()).isEqualByComparingTo("2");
        gate.open();
    }

    @Test
    void sumsUsagePerFunctionAndInTotalExactly() {
        FaasRuntime runtime = fixture.start(b -> b.clock(clock));
        FunctionRef<String, String> small = deployEcho(runtime, "small", 128);
        FunctionRef<String, String> large = deployEcho(runtime, "large", 2048);
        for (int i = 0; i < 10; i++) {
            small.invoke("x");
        }
        large.invoke("x");

        Usage smallUsage = runtime.ledger().usage("small");
        assertThat(smallUsage.requests()).isEqualTo(10);
        assertThat(smallUsage.billedDurationMs()).isEqualTo(10);
        assertThat(smallUsage.gbSeconds()).isEqualByComparingTo("0.00125");
        assertThat(smallUsage.cost()).isEqualByComparingTo(Pricing.LAMBDA_X86_64.totalCost(10, 1280));
        Usage total = runtime.ledger().usage();
        assertThat(total.requests()).isEqualTo(11);
        assertThat(total.gbSeconds()).isEqualByComparingTo("0.00325");
        assertThat(total.cost())
                .isEqualByComparingTo(
                        smallUsage.cost().add(runtime.ledger().usage("large").cost()));
        assertThat(runtime.ledger().usage("unknown")).isEqualTo(Usage.ZERO);
    }

    @Test
    void keepsTheUsageOfAnUndeployedFunction() {
        FaasRuntime runtime = fixture.start(b -> b.clock(clock));
        deployEcho(runtime, "gone", 128).invoke("x");

        runtime.undeploy("gone");

        assertThat(runtime.ledger().usage("gone").requests()).isEqualTo(1);
        assertThat(runtime.ledger().usage().requests()).isEqualTo(1);
    }

    @Test
    void answersUsageWindowsByInvocationStart() {
        FaasRuntime runtime = fixture.start(b -> b.clock(clock).ledgerRetention(3));
        FunctionRef<String, String> echo = deployEcho(runtime, "echo", 1024);
        // Calls at 10:00:00, 10:00:30, 10:01:00, 10:01:30, 10:02:00, 10:02:30: only the last 3 are retained.
        for (int i = 0; i < 6; i++) {
            echo.invoke("x");
            clock.advance(Duration.ofSeconds(30));
        }

        assertThat(runtime.ledger().entries()).hasSize(3);
        assertThat(requests(runtime, "10:00:00", "10:03:00"))
                .as("whole minutes, beyond retention")
                .isEqualTo(6);
        assertThat(requests(runtime, "10:00:00", "10:01:00")).isEqualTo(2);
        assertThat(requests(runtime, "10:01:00", "10:02:00")).isEqualTo(2);
        assertThat(requests(runtime, "10:01:30", "10:02:30"))
                .as("retained records, partial minutes")
                .isEqualTo(2);
        assertThat(requests(runtime, "10:01:30", "10:03:00")).isEqualTo(3);
        assertThat(requests(runtime, "10:02:30", "10:02:30")).as("empty window").isZero();
        assertThat(runtime.ledger()
                        .usage("echo", at("10:00:00"), at("10:01:00"))
                        .gbSeconds())
                .isEqualByComparingTo("0.002");
    }

    @Test
    void exactUnderConcurrency() throws InterruptedException {
        FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(100).reportLog(false));
        FunctionRef<Integer, Integer> square = runtime.deploy(
                FunctionSpec.of("square", Integer.class, Integer.class, () -> (input, context) -> input * input)
                        .withConfig(FunctionConfig.builder().memoryMb(256).build()));
        int threads = 8;
        int callsEach = 2_000;
        List<Thread> callers = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            callers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < callsEach; i++) {
                    square.invoke(i);
                }
            }));
        }
        for (Thread caller : callers) {
            caller.join();
        }

        Usage usage = runtime.ledger().usage("square");
        List<InvocationRecord> entries = runtime.ledger().entries();
        assertThat(usage.requests()).isEqualTo(threads * callsEach);
        assertThat(entries).hasSize(threads * callsEach);
        long billed =
                entries.stream().mapToLong(InvocationRecord::billedDurationMs).sum();
        assertThat(usage.billedDurationMs()).isEqualTo(billed);
        assertThat(usage.cost())
                .isEqualByComparingTo(
                        entries.stream().map(InvocationRecord::cost).reduce(BigDecimal.ZERO, BigDecimal::add));
        assertThat(usage.gbSeconds())
                .isEqualByComparingTo(
                        entries.stream().map(InvocationRecord::gbSeconds).reduce(BigDecimal.ZERO, BigDecimal::add));
        assertThat(runtime.status().concurrentExecutions()).isZero();
    }

    @Test
    void refusesARetentionOutOfRange() {
        assertThatThrownBy(() -> FaasRuntime.builder().ledgerRetention(-1).build())
                .hasMessage("ledgerRetention must be between 0 and 10000000, but was -1");
        assertThatThrownBy(() ->
                        FaasRuntime.builder().ledgerRetention(Integer.MAX_VALUE).build())
                .hasMessageContaining("but was 2147483647");
    }

    private long billedFor(FunctionRef<String, String> function, Turnstile gate, Duration duration)
            throws InterruptedException {
        CompletableFuture<String> call = function.invokeAsync("timed");
        gate.awaitArrival();
        clock.advance(duration);
        gate.open();
        call.join();
        List<InvocationRecord> entries = fixture.lastRuntime().ledger().entries();
        return entries.getLast().billedDurationMs();
    }

    private FunctionRef<String, String> deployEcho(FaasRuntime runtime, String name, int memoryMb) {
        return runtime.deploy(FunctionSpec.of(name, String.class, String.class, () -> (input, context) -> input)
                .withConfig(FunctionConfig.builder().memoryMb(memoryMb).build()));
    }

    private static long requests(FaasRuntime runtime, String from, String to) {
        return runtime.ledger().usage("echo", at(from), at(to)).requests();
    }

    private static Instant at(String time) {
        return Instant.parse("2026-03-01T" + time + "Z");
    }

    /** Holds the handler of a "timed" call until the test opens it; others pass straight through. */
    private static final class Turnstile {
        private volatile CountDownLatch arrived = new CountDownLatch(1);
        private volatile CountDownLatch open = new CountDownLatch(1);

        String pass(String input) throws InterruptedException {
            if (input.equals("timed")) {
                arrived.countDown();
                open.await();
            }
            return input;
        }

        void awaitArrival() throws InterruptedException {
            arrived.await();
        }

        void open() {
            CountDownLatch opened = open;
            arrived = new CountDownLatch(1);
            open = new CountDownLatch(1);
            opened.countDown();
        }
    }
}
