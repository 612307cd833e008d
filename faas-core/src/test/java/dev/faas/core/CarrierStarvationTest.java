package dev.faas.core;

import static dev.faas.core.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.FunctionTimeoutException;
import dev.faas.api.ThreadKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Handlers that compute without blocking, one per carrier, hold every carrier of the JDK's
 * scheduler. The runtime's own machinery must not need one: deadlines fire, callers are released,
 * records reach the journal, and the starvation is named.
 */
final class CarrierStarvationTest {

    private static final int CARRIERS = Integer.getInteger(
            "jdk.virtualThreadScheduler.parallelism", Runtime.getRuntime().availableProcessors());

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    @TempDir
    Path directory;

    private final AtomicBoolean stop = new AtomicBoolean();

    @AfterEach
    void stopSpinning() {
        stop.set(true);
    }

    private FunctionRef<String, String> spinner(FaasRuntime runtime, ThreadKind kind, CountDownLatch spinning) {
        return runtime.deploy(FunctionSpec.of("spin", String.class, String.class, () -> (input, context) -> {
                    spinning.countDown();
                    while (!stop.get()) { // ignores its interrupt: it can only be given up on
                        Thread.onSpinWait();
                    }
                    return input;
                })
                .withConfig(FunctionConfig.builder()
                        .timeout(Duration.ofMillis(200))
                        .threadKind(kind)
                        .build()));
    }

    /** Calls from platform threads, as a host's own threads would make them. */
    private static List<CompletableFuture<Throwable>> callFromPlatformThreads(
            FunctionRef<String, String> function, int calls) {
        List<CompletableFuture<Throwable>> outcomes = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    function.invoke("x");
                    outcome.complete(null);
                } catch (Throwable failure) {
                    outcome.complete(failure);
                }
            });
            outcomes.add(outcome);
        }
        return outcomes;
    }

    @Test
    void releasesCallersAtTheirDeadlineWhileHandlersHoldEveryCarrier() throws InterruptedException {
        FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(100));
        CountDownLatch spinning = new CountDownLatch(CARRIERS);
        FunctionRef<String, String> spin = spinner(runtime, ThreadKind.VIRTUAL, spinning);

        List<CompletableFuture<Throwable>> callers = callFromPlatformThreads(spin, CARRIERS);
        spinning.await();

        for (CompletableFuture<Throwable> caller : callers) {
            eventually().untilAsserted(() -> assertThat(caller).isDone());
            assertThat(caller.join()).isInstanceOf(FunctionTimeoutException.class);
        }
        assertThat(runtime.status().orphanedThreads()).isEqualTo(CARRIERS);
    }

    @Test
    void releasesAsynchronousCallersBlockedInGetAndRunsTheirCallbacks() throws Exception {
        FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(100));
        CountDownLatch spinning = new CountDownLatch(CARRIERS);
        FunctionRef<String, String> spin = spinner(runtime, ThreadKind.VIRTUAL, spinning);

        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < CARRIERS; i++) {
            calls.add(spin.invokeAsync("x"));
        }
        CompletableFuture<String> withCallback = calls.getFirst().exceptionally(failure -> "called back");
        spinning.await();

        for (CompletableFuture<String> call : calls) { // a platform thread blocked in get() is a dependent too
            assertThatThrownBy(() -> call.get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .hasCauseInstanceOf(FunctionTimeoutException.class);
        }
        assertThat(withCallback).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("called back");
    }

    @Test
    void namesTheFunctionsThatHoldTheCarriers() throws InterruptedException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(100).meterRegistry(registry));
        CountDownLatch spinning = new CountDownLatch(CARRIERS);
        FunctionRef<String, String> spin = spinner(runtime, ThreadKind.VIRTUAL, spinning);

        try (LogCapture log = LogCapture.of(FaasRuntime.class.getName(), Level.WARN)) {
            callFromPlatformThreads(spin, CARRIERS);
            spinning.await();

            eventually()
                    .untilAsserted(() -> assertThat(log.messages())
                            .anySatisfy(line -> assertThat(line)
                                    .contains("virtual threads have waited")
                                    .contains("'spin' (" + CARRIERS + " calls, " + CARRIERS + " already given up on)")
                                    .contains("threadKind(ThreadKind.PLATFORM)")));
            assertThat(registry.get("faas.carrier.starvation").counter().count())
                    .isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void aFunctionOnPlatformThreadsLeavesTheCarriersToEveryoneElse() throws InterruptedException {
        FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(100));
        CountDownLatch spinning = new CountDownLatch(CARRIERS);
        FunctionRef<String, String> spin = spinner(runtime, ThreadKind.PLATFORM, spinning);
        FunctionRef<String, String> echo =
                runtime.deploy(FunctionSpec.of("echo", String.class, String.class, () -> (input, context) -> input));

        List<CompletableFuture<Throwable>> callers = callFromPlatformThreads(spin, CARRIERS);
        spinning.await();

        assertThat(echo.invokeAsync("still served"))
                .succeedsWithin(Duration.ofSeconds(5))
                .isEqualTo("still served");
        for (CompletableFuture<Throwable> caller : callers) {
            assertThat(caller).succeedsWithin(Duration.ofSeconds(10)).isInstanceOf(FunctionTimeoutException.class);
        }
    }

    @Test
    void stoppedCallsReachTheJournalBeforeItCloses() throws InterruptedException {
        FaasRuntime runtime = fixture.start(
                b -> b.concurrencyLimit(100).ledgerJournal(directory).drainTimeout(Duration.ofMillis(500)));
        CountDownLatch spinning = new CountDownLatch(CARRIERS);
        FunctionRef<String, String> spin = spinner(runtime, ThreadKind.VIRTUAL, spinning);
        List<CompletableFuture<Throwable>> callers = callFromPlatformThreads(spin, CARRIERS);
        spinning.await();
        callers.forEach(CompletableFuture::join);

        try (LogCapture log = LogCapture.of(FaasRuntime.class.getName(), Level.WARN)) {
            runtime.close();
            assertThat(log.messages()).noneMatch(line -> line.contains("arrived after the journal"));
        }
        int inMemory = runtime.ledger().entries().size();
        stop.set(true);
        eventually()
                .untilAsserted(
                        () -> assertThat(runtime.status().orphanedThreads()).isZero());

        FaasRuntime recovered = fixture.start(b -> b.ledgerJournal(directory));
        assertThat(recovered.ledger().entries()).hasSize(inMemory).hasSize(CARRIERS);
    }
}
