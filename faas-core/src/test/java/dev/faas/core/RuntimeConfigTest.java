package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.InvalidConfigException;
import dev.faas.api.InvocationListener;
import dev.faas.api.ManualClock;
import dev.faas.api.ledger.Pricing;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class RuntimeConfigTest {

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
        OptionalInt none = OptionalInt.empty();
        Pricing prices = Pricing.LAMBDA_X86_64;

        assertRefused(() -> direct(0, none, true, 0.9, 0.95, prices, Optional.empty(), 1), "concurrencyLimit");
        assertRefused(
                () -> direct(1, OptionalInt.of(0), true, 0.9, 0.95, prices, Optional.empty(), 1), "memoryCapacityMb");
        assertRefused(() -> direct(1, none, true, 0.96, 0.95, prices, Optional.empty(), 1), "heapPressure");
        assertRefused(() -> direct(1, none, true, 0.9, 0.95, null, Optional.empty(), 1), "pricing");
        assertRefused(() -> direct(1, none, true, 0.9, 0.95, prices, null, 1), "meterRegistry");
        assertRefused(() -> direct(1, none, true, 0.9, 0.95, prices, Optional.empty(), -1), "ledgerRetention");
        assertRefused(
                () -> FaasRuntime.builder().drainTimeout(Duration.ofSeconds(-1)).config(), "drainTimeout");
        assertRefused(() -> FaasRuntime.builder().idempotencyTtl(Duration.ZERO).build(), "idempotencyTtl");
    }

    @Test
    void aGuardTurnedOffIsNotCheckedForMarks() {
        RuntimeConfig off = direct(1, OptionalInt.empty(), false, 0, 0, Pricing.LAMBDA_X86_64, Optional.empty(), 1);

        assertThat(off.heapPressureGuard()).isFalse();
    }

    /** The record made by its constructor, with the defaults but for the options given. */
    private static RuntimeConfig direct(
            int concurrencyLimit,
            OptionalInt memoryCapacityMb,
            boolean heapPressureGuard,
            double highWater,
            double critical,
            Pricing pricing,
            Optional<MeterRegistry> meters,
            int retention) {
        RuntimeConfig d = RuntimeConfig.defaults();
        return new RuntimeConfig(
                concurrencyLimit,
                memoryCapacityMb,
                false,
                heapPressureGuard,
                highWater,
                critical,
                pricing,
                meters,
                d.clock(),
                d.ledgerJournal(),
                d.durability(),
                d.ledgerSink(),
                retention,
                true,
                true,
                d.drainTimeout(),
                d.idempotencyTtl(),
                d.undeliveredEvents(),
                List.of());
    }

    private static void assertRefused(ThrowingCallable make, String field) {
        assertThatThrownBy(make)
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo(field));
    }
}
