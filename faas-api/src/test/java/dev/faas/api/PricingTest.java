package dev.faas.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.ledger.Pricing;
import java.math.BigDecimal;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class PricingTest {

    private static final Pricing X86 = Pricing.LAMBDA_X86_64;

    @Test
    void roundsUpToTheMillisecondWithAtLeastOne() {
        assertThat(X86.billedDurationMs(0)).isEqualTo(1);
        assertThat(X86.billedDurationMs(1)).isEqualTo(1);
        assertThat(X86.billedDurationMs(1_000_000)).isEqualTo(1);
        assertThat(X86.billedDurationMs(1_000_001)).isEqualTo(2);
        assertThat(X86.billedDurationMs(Duration.ofSeconds(3).toNanos())).isEqualTo(3000);
    }

    @Test
    void roundsUpToACoarserGranularity() {
        Pricing hundredMs = new Pricing(BigDecimal.ZERO, BigDecimal.ONE, Duration.ofMillis(100), false);

        assertThat(hundredMs.billedDurationMs(1)).isEqualTo(100);
        assertThat(hundredMs.billedDurationMs(100_000_000)).isEqualTo(100);
        assertThat(hundredMs.billedDurationMs(100_000_001)).isEqualTo(200);
    }

    @Test
    void costsExactly() {
        // 128 MB for 1 ms = 0.125 GB x 0.001 s = 0.000125 GB-s
        assertThat(Pricing.gbSeconds(128, 1)).isEqualByComparingTo("0.000125");
        assertThat(X86.cost(128, 1))
                .isEqualByComparingTo(new BigDecimal("0.0000002")
                        .add(new BigDecimal("0.000125").multiply(new BigDecimal("0.0000166667"))));
        assertThat(X86.cost(1024, 1000)).isEqualByComparingTo("0.0000168667");
        // a million calls of 1 GB for 1 s, summed exactly
        assertThat(X86.totalCost(1_000_000, 1024L * 1000 * 1_000_000)).isEqualByComparingTo("16.8667");
        assertThat(Pricing.LAMBDA_ARM64.perGbSecond()).isEqualByComparingTo("0.0000133334");
    }

    @Test
    void refusesNegativePricesAndOddGranularities() {
        assertThatThrownBy(() -> new Pricing(new BigDecimal("-1"), BigDecimal.ONE, Duration.ofMillis(1), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> new Pricing(BigDecimal.ONE, BigDecimal.ONE, Duration.ofNanos(1_500_000), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("whole number of milliseconds");
        assertThatThrownBy(() -> new Pricing(BigDecimal.ONE, BigDecimal.ONE, Duration.ZERO, true))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
