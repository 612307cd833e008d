package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.Context;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionFailedException;
import dev.faas.api.FunctionInitException;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.Handler;
import dev.faas.api.InvocationReport;
import dev.faas.api.ManualClock;
import dev.faas.api.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class EnvironmentTest {

    private static final Duration IDLE_TIMEOUT = Duration.ofMinutes(5);

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final FaasRuntime runtime = fixture.start(b -> b.clock(clock));
    private final AtomicInteger inits = new AtomicInteger();
    private final Set<Integer> closed = ConcurrentHashMap.newKeySet();

    @Test
    void startsColdThenReusesTheWarmEnvironment() {
        FunctionRef<String, Integer> instance = deploy("instance", FunctionConfig.defaults());

        InvocationReport cold = instance.invokeForReport("a");
        InvocationReport warm = instance.invokeForReport("b");

        assertThat(cold.coldStart()).isTrue();
        assertThat(cold.initDuration()).isPresent();
        assertThat(warm.coldStart()).isFalse();
        assertThat(warm.initDuration()).isEmpty();
        assertThat(warm.output()).isEqualTo(cold.output());
        assertThat(inits).hasValue(1);
    }

    @Test
    void measuresTheInitPhase() {
        Gate gate = fixture.gate();
        FunctionRef<String, String> slow = runtime.deploy(FunctionSpec.of("slow", String.class, String.class, () -> {
            gate.pass();
            return (input, context) -> input;
        }));
        CompletableFuture<InvocationReport> call =
                CompletableFuture.supplyAsync(() -> slow.invokeForReport("x"), Thread::startVirtualThread);

        gate.awaitArrivals(1);
        clock.advance(Duration.ofMillis(750));
        gate.open();

        InvocationReport report = call.join();
        assertThat(report.initDuration()).contains(Duration.ofMillis(750));
        assertThat(report.billedDurationMs()).isEqualTo(750); // INIT billed, the handler took no time
    }

    @Test
    void servesOneCallAtATimePerEnvironment() throws InterruptedException {
        Semaphore started = new Semaphore(0);
        Gate gate = fixture.gate();
        FunctionRef<String, Integer> blocking =
                runtime.deploy(FunctionSpec.of("blocking", String.class, Integer.class, () -> {
                    int id = inits.incrementAndGet();
                    return (input, context) -> {
                        started.release();
                        gate.pass();
                        return id;
                    };
                }));

        List<CompletableFuture<Integer>> calls =
                List.of(blocking.invokeAsync("a"), blocking.invokeAsync("b"), blocking.invokeAsync("c"));
        started.acquire(3);
        gate.open();

        assertThat(calls.stream().map(CompletableFuture::join)).containsExactlyInAnyOrder(1, 2, 3);
        assertThat(runtime.status().functions().get("blocking").environments()).isEqualTo(3);
        assertThat(runtime.status().functions().get("blocking").idleEnvironments())
                .isEqualTo(3);
    }

    @Test
    void reusesTheMostRecentlyUsedEnvironmentFirst() throws InterruptedException {
        Semaphore started = new Semaphore(0);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CountDownLatch releaseSecond = new CountDownLatch(1);
        FunctionRef<String, Integer> envs = runtime.deploy(FunctionSpec.of("envs", String.class, Integer.class, () -> {
            int id = inits.incrementAndGet();
            return (input, context) -> {
                started.release();
                (input.equals("first") ? releaseFirst : input.equals("second") ? releaseSecond : new CountDownLatch(0))
                        .await();
                return id;
            };
        }));
        CompletableFuture<Integer> first = envs.invokeAsync("first");
        started.acquire();
        CompletableFuture<Integer> second = envs.invokeAsync("second");
        started.acquire();

        releaseFirst.countDown();
        first.join();
        releaseSecond.countDown();
        int lastReleased = second.join();

        assertThat(envs.invoke("next")).isEqualTo(lastReleased);
    }

    @Test
    void closesAnIdleEnvironmentAfterItsIdleTimeout() {
        FunctionRef<String, Integer> instance = deploy(
                "instance", FunctionConfig.builder().idleTimeout(IDLE_TIMEOUT).build());
        int first = instance.invoke("a");

        clock.advance(IDLE_TIMEOUT.minusNanos(1));
        assertThat(closed).isEmpty();
        assertThat(runtime.status().functions().get("instance").idleEnvironments())
                .isEqualTo(1);

        clock.advance(Duration.ofNanos(1));
        assertThat(closed).containsExactly(first);
        assertThat(runtime.status().functions().get("instance").environments()).isZero();

        InvocationReport next = instance.invokeForReport("b");
        assertThat(next.coldStart()).isTrue();
        assertThat(next.output()).contains(first + 1);
    }

    @Test
    void aCallResetsTheIdleClock() {
        FunctionRef<String, Integer> instance = deploy(
                "instance", FunctionConfig.builder().idleTimeout(IDLE_TIMEOUT).build());
        instance.invoke("a");

        clock.advance(Duration.ofMinutes(4));
        assertThat(instance.invokeForReport("b").coldStart()).isFalse();
        clock.advance(Duration.ofMinutes(4));
        assertThat(closed).isEmpty();

        clock.advance(Duration.ofMinutes(1));
        assertThat(closed).hasSize(1);
    }

    @Test
    void expiresOnlyTheEnvironmentsThatSatIdleLongEnough() throws InterruptedException {
        Semaphore started = new Semaphore(0);
        Gate gate = fixture.gate();
        FunctionRef<String, Integer> envs = runtime.deploy(FunctionSpec.of("envs", String.class, Integer.class, () -> {
                    int id = inits.incrementAndGet();
                    return new Closing(id, (input, context) -> {
                        if (input.equals("block")) {
                            started.release();
                            gate.pass();
                        }
                        return id;
                    });
                })
                .withConfig(FunctionConfig.builder().idleTimeout(IDLE_TIMEOUT).build()));
        CompletableFuture<Integer> a = envs.invokeAsync("block");
        CompletableFuture<Integer> b = envs.invokeAsync("block");
        started.acquire(2);
        gate.open();
        a.join();
        b.join();

        clock.advance(Duration.ofMinutes(3));
        int used = envs.invoke("again"); // one environment is used again, three minutes in
        clock.advance(Duration.ofMinutes(2));

        assertThat(closed).hasSize(1).doesNotContain(used);
        assertThat(runtime.status().functions().get("envs").idleEnvironments()).isEqualTo(1);
        clock.advance(Duration.ofMinutes(3));
        assertThat(closed).hasSize(2).contains(used);
    }

    @Test
    void provisionsEnvironmentsBeforeDeployReturnsAndNeverExpiresThem() {
        FunctionRef<String, Integer> provisioned = deploy(
                "provisioned",
                FunctionConfig.builder()
                        .provisionedConcurrency(3)
                        .idleTimeout(IDLE_TIMEOUT)
                        .build());

        assertThat(inits).hasValue(3);
        assertThat(runtime.status().functions().get("provisioned").provisionedEnvironments())
                .isEqualTo(3);
        InvocationReport report = provisioned.invokeForReport("a");
        assertThat(report.coldStart()).isFalse();
        assertThat(report.initDuration()).isEmpty();

        clock.advance(IDLE_TIMEOUT.multipliedBy(10));

        assertThat(closed).isEmpty();
        assertThat(runtime.status().functions().get("provisioned").idleEnvironments())
                .isEqualTo(3);
        assertThat(inits).hasValue(3);
    }

    @Test
    void failsTheDeployWhenAProvisionedEnvironmentCannotStart() {
        AtomicInteger attempts = new AtomicInteger();
        FunctionSpec<String, Integer> spec = FunctionSpec.of("broken", String.class, Integer.class, () -> {
                    int attempt = attempts.incrementAndGet();
                    if (attempt == 2) {
                        throw new IllegalStateException("no database");
                    }
                    return new Closing(attempt, (input, context) -> attempt);
                })
                .withConfig(FunctionConfig.builder().provisionedConcurrency(3).build());

        assertThatThrownBy(() -> runtime.deploy(spec))
                .isInstanceOf(FunctionInitException.class)
                .hasMessageContaining("no database");

        assertThat(runtime.describe("broken")).isEmpty();
        runtime.awaitQuiescence(Duration.ofSeconds(5));
        assertThat(closed).as("the environments that did start are closed").hasSize(2);
    }

    @Test
    void replacesADiscardedProvisionedEnvironment() {
        FunctionRef<String, Integer> provisioned = runtime.deploy(FunctionSpec.of(
                        "provisioned", String.class, Integer.class, () -> {
                            int id = inits.incrementAndGet();
                            return new Closing(id, (input, context) -> {
                                if (input.equals("crash")) {
                                    throw new StackOverflowError("deep");
                                }
                                return id;
                            });
                        })
                .withConfig(FunctionConfig.builder().provisionedConcurrency(1).build()));

        assertThatThrownBy(() -> provisioned.invoke("crash"))
                .isInstanceOf(FunctionFailedException.class)
                .hasCauseInstanceOf(StackOverflowError.class);
        runtime.awaitQuiescence(Duration.ofSeconds(5));

        assertThat(closed).containsExactly(1);
        assertThat(inits).hasValue(2);
        InvocationReport next = provisioned.invokeForReport("ok");
        assertThat(next.coldStart()).isFalse();
        assertThat(next.output()).contains(2);
    }

    @Test
    void discardsAnEnvironmentWhoseHandlerThrewAnError() {
        FunctionRef<String, Integer> fragile =
                runtime.deploy(FunctionSpec.of("fragile", String.class, Integer.class, () -> {
                    int id = inits.incrementAndGet();
                    return new Closing(id, (input, context) -> {
                        if (input.equals("error")) {
                            throw new OutOfMemoryError("pretend");
                        }
                        if (input.equals("exception")) {
                            throw new IllegalArgumentException("bad input");
                        }
                        return id;
                    });
                }));

        assertThatThrownBy(() -> fragile.invoke("exception")).isInstanceOf(FunctionFailedException.class);
        assertThat(fragile.invokeForReport("ok").coldStart())
                .as("an Exception keeps the environment")
                .isFalse();
        assertThatThrownBy(() -> fragile.invoke("error")).isInstanceOf(FunctionFailedException.class);
        runtime.awaitQuiescence(Duration.ofSeconds(5));

        assertThat(closed).containsExactly(1);
        assertThat(fragile.invokeForReport("ok").coldStart())
                .as("an Error discards it")
                .isTrue();
    }

    @Test
    void aFailingFactoryIsAnInitError() {
        IllegalStateException cause = new IllegalStateException("config missing");
        FunctionRef<String, String> broken =
                runtime.deploy(FunctionSpec.of("broken", String.class, String.class, () -> {
                    throw cause;
                }));

        InvocationReport report = broken.invokeForReport("x");

        assertThat(report.outcome()).isEqualTo(Outcome.INIT_ERROR);
        assertThat(report.coldStart()).isTrue();
        assertThat(report.duration()).isZero();
        assertThat(report.error())
                .get()
                .isInstanceOf(FunctionInitException.class)
                .satisfies(e -> assertThat(e.getCause()).isSameAs(cause))
                .extracting(Throwable::getMessage)
                .asString()
                .contains("the handler factory failed");
        assertThatThrownBy(() -> broken.invoke("x"))
                .isInstanceOf(FunctionInitException.class)
                .hasMessageContaining("config missing");
        assertThat(runtime.status().functions().get("broken").environments()).isZero();
    }

    @Test
    void aFactoryReturningNullIsAnInitError() {
        FunctionRef<String, String> empty =
                runtime.deploy(FunctionSpec.of("empty", String.class, String.class, () -> null));

        assertThatThrownBy(() -> empty.invoke("x"))
                .isInstanceOf(FunctionInitException.class)
                .hasMessageContaining("returned null");
    }

    private FunctionRef<String, Integer> deploy(String name, FunctionConfig config) {
        return runtime.deploy(FunctionSpec.of(name, String.class, Integer.class, () -> {
                    int id = inits.incrementAndGet();
                    return new Closing(id, (input, context) -> id);
                })
                .withConfig(config));
    }

    /** A handler that records its id in {@code closed} when closed. */
    private final class Closing implements Handler<String, Integer>, AutoCloseable {
        private final int id;
        private final Handler<String, Integer> body;

        Closing(int id, Handler<String, Integer> body) {
            this.id = id;
            this.body = body;
        }

        @Override
        public Integer handle(String input, Context context) throws Exception {
            return body.handle(input, context);
        }

        @Override
        public void close() {
            closed.add(id);
        }
    }
}
