package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.ThrottledException;
import dev.faas.api.ledger.InvocationRecord;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class MetricsTest {

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void countsInvocationsByOutcomeAndThrottlesByReason() {
        FaasRuntime runtime = fixture.start(b -> b.meterRegistry(registry));
        FunctionRef<Integer, Integer> checked =
                runtime.deploy(FunctionSpec.of("checked", Integer.class, Integer.class, () -> (input, context) -> {
                            if (input < 0) {
                                throw new IllegalArgumentException("negative");
                            }
                            return input;
                        })
                        .withConfig(FunctionConfig.builder().memoryMb(512).build()));
        runtime.deploy(FunctionSpec.of("disabled", Integer.class, Integer.class, () -> (input, context) -> input)
                .withConfig(FunctionConfig.builder().reservedConcurrency(0).build()));

        checked.invoke(1);
        checked.invoke(2);
        checked.invokeForReport(-1);
        assertThatThrownBy(() -> runtime.invoke("disabled", 1)).isInstanceOf(ThrottledException.class);

        assertThat(count("faas.invocations", "checked", "outcome", "SUCCESS")).isEqualTo(2);
        assertThat(count("faas.invocations", "checked", "outcome", "ERROR")).isEqualTo(1);
        assertThat(count("faas.invocations", "checked", "outcome", "TIMEOUT")).isZero();
        assertThat(count("faas.throttles", "disabled", "reason", "RESERVED_CONCURRENCY"))
                .isEqualTo(1);
        assertThat(registry.get("faas.cold.starts")
                        .tag("function", "checked")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("faas.init.duration")
                        .tag("function", "checked")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("faas.duration")
                        .tag("function", "checked")
                        .timer()
                        .count())
                .isEqualTo(3);
        List<InvocationRecord> records = runtime.ledger().entries();
        assertThat(registry.get("faas.billed.duration")
                        .tag("function", "checked")
                        .summary()
                        .totalAmount())
                .isEqualTo(records.stream()
                        .mapToLong(InvocationRecord::billedDurationMs)
                        .sum());
        double exactCost = records.stream()
                .map(InvocationRecord::cost)
                .reduce(BigDecimal.ZERO, BigDecimal::add)
                .doubleValue();
        assertThat(registry.get("faas.cost")
                        .tag("function", "checked")
                        .counter()
                        .count())
                .isCloseTo(exactCost, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(registry.get("faas.concurrent.executions")
                        .tag("function", "checked")
                        .gauge()
                        .value())
                .isZero();
        assertThat(registry.get("faas.orphaned.threads")
                        .tag("function", "checked")
                        .gauge()
                        .value())
                .isZero();
    }

    @Test
    void removesAFunctionsMetersWhenItIsUndeployed() {
        FaasRuntime runtime = fixture.start(b -> b.meterRegistry(registry));
        runtime.deploy(FunctionSpec.of("short-lived", String.class, String.class, () -> (input, context) -> input))
                .invoke("x");
        assertThat(registry.find("faas.invocations")
                        .tag("function", "short-lived")
                        .counters())
                .isNotEmpty();

        runtime.undeploy("short-lived");

        assertThat(registry.getMeters())
                .noneMatch(meter -> "short-lived".equals(meter.getId().getTag("function")));
    }

    @Test
    void registersNothingWithoutARegistry() {
        FaasRuntime runtime = fixture.start();
        runtime.deploy(FunctionSpec.of("quiet", String.class, String.class, () -> (input, context) -> input))
                .invoke("x");

        assertThat(Metrics.globalRegistry.getMeters())
                .noneMatch(meter -> meter.getId().getName().startsWith("faas."));
    }

    @Test
    void exactCountsFromEightThreadsAndTheGaugeBackToZero() throws InterruptedException {
        FaasRuntime runtime =
                fixture.start(b -> b.meterRegistry(registry).reportLog(false).concurrencyLimit(64));
        FunctionRef<Integer, Integer> work = runtime.deploy(
                FunctionSpec.of("work", Integer.class, Integer.class, () -> (input, context) -> input + 1));
        int threads = 8;
        int callsEach = 2_500;
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            callers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < callsEach; i++) {
                    work.invoke(i);
                }
            }));
        }
        for (Thread caller : callers) {
            caller.join();
        }

        long expected = (long) threads * callsEach;
        assertThat(count("faas.invocations", "work", "outcome", "SUCCESS")).isEqualTo(expected);
        assertThat(registry.get("faas.duration").tag("function", "work").timer().count())
                .isEqualTo(expected);
        assertThat(runtime.ledger().usage("work").requests()).isEqualTo(expected);
        assertThat(registry.get("faas.billed.duration")
                        .tag("function", "work")
                        .summary()
                        .totalAmount())
                .isEqualTo(runtime.ledger().usage("work").billedDurationMs());
        assertThat(registry.get("faas.duration").tag("function", "work").timer().totalTime(TimeUnit.NANOSECONDS))
                .isPositive();
        assertThat(registry.get("faas.concurrent.executions")
                        .tag("function", "work")
                        .gauge()
                        .value())
                .isZero();
    }

    @Test
    void aFunctionDeployedAgainCountsFromZero() {
        FaasRuntime runtime = fixture.start(b -> b.meterRegistry(registry));
        FunctionSpec<String, String> spec =
                FunctionSpec.of("again", String.class, String.class, () -> (input, context) -> input);
        runtime.deploy(spec).invoke("x");
        runtime.undeploy("again");

        runtime.deploy(spec).invoke("y");

        assertThat(count("faas.invocations", "again", "outcome", "SUCCESS")).isEqualTo(1);
        List<InvocationRecord> records = runtime.ledger().entries();
        assertThat(registry.get("faas.cost").tag("function", "again").counter().count())
                .isCloseTo(
                        records.get(records.size() - 1).cost().doubleValue(),
                        org.assertj.core.data.Offset.offset(1e-15));
        assertThat(runtime.ledger().usage("again").requests()).isEqualTo(2); // the bill outlives the undeploy
    }

    private double count(String name, String function, String tag, String value) {
        return registry.get(name)
                .tag("function", function)
                .tag(tag, value)
                .counter()
                .count();
    }
}
