package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.InvalidConfigException;
import dev.faas.api.InvocationListener;
import dev.faas.api.ManualClock;
import dev.faas.api.ledger.Pricing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RuntimeConfigTest {

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    @Test
    void theDefaultsAreTheDocumentedOnes() {
        RuntimeConfig defaults = RuntimeConfig.defaults();

        assertThat(defaults.concurrencyLimit())
                .isEqualTo(RuntimeConfig.DEFAULT_CONCURRENCY_LIMIT)
                .isEqualTo(1000);
        assertThat(defaults.memoryCapacityMb()).isEmpty();
        assertThat(defaults.allocationMetering()).isFalse();
        assertThat(defaults.heapPressureGuard()).isTrue();
        assertThat(defaults.heapHighWater()).isEqualTo(0.90);
        assertThat(defaults.heapCritical()).isEqualTo(0.95);
        assertThat(defaults.pricing()).isEqualTo(Pricing.LAMBDA_X86_64);
        assertThat(defaults.meterRegistry()).isEmpty();
        assertThat(defaults.ledgerJournal()).isEmpty();
        assertThat(defaults.ledgerSink()).isEmpty();
        assertThat(defaults.ledgerRetention()).isEqualTo(100_000);
        assertThat(defaults.reportLog()).isTrue();
        assertThat(defaults.failureLog()).isTrue();
        assertThat(defaults.drainTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.idempotencyTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(defaults.undeliveredEvents()).isEmpty();
        assertThat(defaults.listeners()).isEmpty();
    }

    @Test
    void aRuntimeRunsWithTheConfigurationItWasBuiltWith() {
        ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InvocationListener listener = new InvocationListener() {};

        FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(7)
                .memoryCapacityMb(512)
                .clock(clock)
                .meterRegistry(registry)
                .noHeapPressureGuard()
                .ledgerRetention(10)
                .listener(listener));

        RuntimeConfig config = runtime.config();
        assertThat(config.concurrencyLimit()).isEqualTo(7);
        assertThat(config.memoryCapacityMb()).hasValue(512);
        assertThat(config.clock()).isSameAs(clock);
        assertThat(config.meterRegistry()).containsSame(registry);
        assertThat(config.heapPressureGuard()).isFalse();
        assertThat(config.ledgerRetention()).isEqualTo(10);
        assertThat(config.listeners())
                .as("the fixture's own counter, then ours")
                .hasSize(2)
                .endsWith(listener);
        assertThat(runtime.status().concurrencyLimit()).isEqualTo(7);
    }

    @Test
    void toBuilderStartsFromEveryOptionOfTheConfiguration() {
        RuntimeConfig config = FaasRuntime.builder()
                .concurrencyLimit(3)
                .heapPressure(0.5, 0.6)
                .reportLog(false)
                .drainTimeout(Duration.ZERO)
                .idempotencyTtl(Duration.ofMinutes(2))
                .listener(new InvocationListener() {})
                .config();

        assertThat(config.toBuilder().config()).isEqualTo(config);
        assertThat(config.toBuilder().concurrencyLimit(4).config().concurrencyLimit())
                .isEqualTo(4);
        assertThat(config.concurrencyLimit()).isEqualTo(3);
    }

    @Test
    void theRecordChecksEveryOptionAsTheBuilderDoes() {
        RuntimeConfig d = RuntimeConfig.defaults();

        assertThatThrownBy(() -> new RuntimeConfig(
                        0,
                        d.memoryCapacityMb(),
                        false,
                        true,
                        0.9,
                        0.95,
                        d.pricing(),
                        d.meterRegistry(),
                        d.clock(),
                        d.ledgerJournal(),
                        d.durability(),
                        d.ledgerSink(),
                        1,
                        true,
                        true,
                        d.drainTimeout(),
                        d.idempotencyTtl(),
                        d.undeliveredEvents(),
                        List.of()))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("concurrencyLimit"));
        assertThatThrownBy(() -> new RuntimeConfig(
                        1,
                        OptionalInt.of(0),
                        false,
                        true,
                        0.9,
                        0.95,
                        d.pricing(),
                        d.meterRegistry(),
                        d.clock(),
                        d.ledgerJournal(),
                        d.durability(),
                        d.ledgerSink(),
                        1,
                        true,
                        true,
                        d.drainTimeout(),
                        d.idempotencyTtl(),
                        d.undeliveredEvents(),
                        List.of()))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("memoryCapacityMb"));
        assertThatThrownBy(() -> new RuntimeConfig(
                        1,
                        d.memoryCapacityMb(),
                        false,
                        true,
                        0.96,
                        0.95,
                        d.pricing(),
                        d.meterRegistry(),
                        d.clock(),
                        d.ledgerJournal(),
                        d.durability(),
                        d.ledgerSink(),
                        1,
                        true,
                        true,
                        d.drainTimeout(),
                        d.idempotencyTtl(),
                        d.undeliveredEvents(),
                        List.of()))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("heapPressure"));
        assertThatThrownBy(() -> new RuntimeConfig(
                        1,
                        d.memoryCapacityMb(),
                        false,
                        true,
                        0.9,
                        0.95,
                        null,
                        d.meterRegistry(),
                        d.clock(),
                        d.ledgerJournal(),
                        d.durability(),
                        d.ledgerSink(),
                        1,
                        true,
                        true,
                        d.drainTimeout(),
                        d.idempotencyTtl(),
                        d.undeliveredEvents(),
                        List.of()))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("pricing"));
        assertThatThrownBy(() -> new RuntimeConfig(
                        1,
                        d.memoryCapacityMb(),
                        false,
                        true,
                        0.9,
                        0.95,
                        d.pricing(),
                        d.meterRegistry(),
                        d.clock(),
                        Optional.empty(),
                        d.durability(),
                        d.ledgerSink(),
                        -1,
                        true,
                        true,
                        d.drainTimeout(),
                        d.idempotencyTtl(),
                        d.undeliveredEvents(),
                        List.of()))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("ledgerRetention"));
        assertThatThrownBy(() -> FaasRuntime.builder()
                        .drainTimeout(Duration.ofSeconds(-1))
                        .config())
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("drainTimeout"));
        assertThatThrownBy(() ->
                        FaasRuntime.builder().idempotencyTtl(Duration.ZERO).build())
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("idempotencyTtl"));
    }

    @Test
    void aGuardTurnedOffIsNotCheckedForMarks() {
        RuntimeConfig d = RuntimeConfig.defaults();

        RuntimeConfig off = new RuntimeConfig(
                1,
                d.memoryCapacityMb(),
                false,
                false,
                0,
                0,
                d.pricing(),
                d.meterRegistry(),
                d.clock(),
                d.ledgerJournal(),
                d.durability(),
                d.ledgerSink(),
                1,
                true,
                true,
                d.drainTimeout(),
                d.idempotencyTtl(),
                d.undeliveredEvents(),
                List.of());

        assertThat(off.heapPressureGuard()).isFalse();
    }
}
