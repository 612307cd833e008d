package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.ledger.Durability;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad arguments get a typed error that names them, and a deploy that fails leaves nothing behind. */
final class BadArgumentTest {

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    static Stream<Arguments> nulls() {
        FaasRuntime.Builder b = FaasRuntime.builder();
        FunctionConfig.Builder c = FunctionConfig.builder();
        return Stream.of(
                Arguments.of("environment", (ThrowingCallable) () -> c.environment(null)),
                Arguments.of("onSuccess", (ThrowingCallable) () -> c.onSuccess(null)),
                Arguments.of("onFailure", (ThrowingCallable) () -> c.onFailure(null)),
                Arguments.of("drainTimeout", (ThrowingCallable) () -> b.drainTimeout(null)),
                Arguments.of("clock", (ThrowingCallable) () -> b.clock(null)),
                Arguments.of("ledgerJournal", (ThrowingCallable) () -> b.ledgerJournal(null)),
                Arguments.of("durability", (ThrowingCallable) () -> b.ledgerJournal(java.nio.file.Path.of("x"), null)),
                Arguments.of("pricing", (ThrowingCallable) () -> b.pricing(null)),
                Arguments.of("meterRegistry", (ThrowingCallable) () -> b.meterRegistry(null)),
                Arguments.of("ledgerSink", (ThrowingCallable) () -> b.ledgerSink(null)),
                Arguments.of("idempotencyTtl", (ThrowingCallable) () -> b.idempotencyTtl(null)),
                Arguments.of("undeliveredEvents", (ThrowingCallable) () -> b.undeliveredEvents(null)),
                Arguments.of("listener", (ThrowingCallable) () -> b.listener(null)),
                Arguments.of("durability", (ThrowingCallable) () -> Durability.every(null)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nulls")
    void aNullOptionIsATypedErrorNamingIt(String field, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(InvalidConfigException.class, e -> {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.getMessage()).containsIgnoringCase(field).doesNotContain("Cannot invoke");
        });
    }

    @Test
    void nullArgumentsOfTheRuntimeAreTypedErrors() {
        FaasRuntime runtime = fixture.start();

        assertThatThrownBy(() -> runtime.undeploy(null))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("name must not be null: give the name of a deployed function");
        assertThatThrownBy(() -> runtime.function("f", null, String.class))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("inputType must not be null");
        assertThatThrownBy(() -> runtime.invokeEvent("f", "x", ""))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("an idempotency key must be 1 to 256 characters, not blank, but was blank");
    }

    @Test
    void durationsPastWhatTheRuntimeCanHoldAreRefusedWhenBuilt() {
        assertThatThrownBy(() -> FunctionConfig.builder()
                        .idleTimeout(Duration.ofSeconds(Long.MAX_VALUE))
                        .build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("idleTimeout must be between 1 ms and 365 days, but was PT");
        assertThatThrownBy(() -> FaasRuntime.builder()
                        .drainTimeout(Duration.ofSeconds(Long.MAX_VALUE))
                        .build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("between 0 and 365 days");
        assertThatThrownBy(() -> FaasRuntime.builder()
                        .idempotencyTtl(Duration.ofDays(400))
                        .build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("between 1 ms and 365 days");
        assertThatThrownBy(() -> Durability.every(Duration.ofSeconds(Long.MAX_VALUE)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("between 1 ms and 365 days");
    }

    @Test
    void aDeployThatFailsInAMeterFilterLeavesNoNameReservationOrMeter() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                if (id.getName().equals("faas.cold.starts") && "broken".equals(id.getTag("function"))) {
                    throw new IllegalStateException("a filter with a bug");
                }
                return id;
            }
        });
        FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(10).meterRegistry(registry));
        FunctionSpec<String, String> broken =
                echo("broken", FunctionConfig.builder().reservedConcurrency(5).build());

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> runtime.deploy(broken))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("a filter with a bug");
        }

        assertThat(runtime.status().unreservedConcurrency()).isEqualTo(10);
        assertThat(runtime.describe("broken")).isEmpty();
        assertThat(registry.getMeters())
                .noneMatch(meter -> "broken".equals(meter.getId().getTag("function")));
        runtime.deploy(
                echo("broken2", FunctionConfig.builder().reservedConcurrency(10).build())); // all 10 are free
    }

    @Test
    void refusesAFunctionThatCouldNeverRunInAnEmptySharedPool() {
        FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(10));
        runtime.deploy(
                echo("greedy", FunctionConfig.builder().reservedConcurrency(10).build()));

        assertThatThrownBy(() -> runtime.deploy(echo("starved", FunctionConfig.defaults())))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("reservedConcurrency"))
                .hasMessageContaining(
                        "other functions reserve all 10 of the runtime's concurrencyLimit: it could never" + " run");
    }

    @Test
    void refusesAReservationThatWouldEmptyTheSharedPoolItsFunctionsNeed() {
        FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(10));
        runtime.deploy(echo("shared", FunctionConfig.defaults()));

        assertThatThrownBy(() -> runtime.deploy(echo(
                        "greedy",
                        FunctionConfig.builder().reservedConcurrency(10).build())))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(
                        "reservedConcurrency must leave at least 1 of the shared pool to the functions that"
                                + " run in it, so at most 9, but was 10");
        runtime.deploy(
                echo("modest", FunctionConfig.builder().reservedConcurrency(9).build()));
    }

    private static FunctionSpec<String, String> echo(String name, FunctionConfig config) {
        return FunctionSpec.of(name, String.class, String.class, () -> (input, context) -> input)
                .withConfig(config);
    }
}
