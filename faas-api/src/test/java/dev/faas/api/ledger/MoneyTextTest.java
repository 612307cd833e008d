package dev.faas.api.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.InvocationType;
import dev.faas.api.Outcome;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Amounts print as plain decimals: BigDecimal's own toString writes 2.0833335E-7 and 1E+3. */
final class MoneyTextTest {

    @Test
    void usagePrintsPlainDecimals() {
        Usage usage = new Usage(1, 1, new BigDecimal("0.000125"), new BigDecimal("0.0000002083"));

        assertThat(usage.toString())
                .isEqualTo("Usage[requests=1, billedDurationMs=1, gbSeconds=0.000125, cost=0.0000002083]");
        assertThat(new Usage(1000, 0, new BigDecimal("1000"), BigDecimal.ZERO).toString())
                .contains("gbSeconds=1000,")
                .contains("cost=0]");
    }

    @Test
    void recordPrintsPlainDecimals() {
        InvocationRecord record = new InvocationRecord(
                "id",
                "f",
                "$LATEST",
                InvocationType.REQUEST_RESPONSE,
                Outcome.SUCCESS,
                Instant.EPOCH,
                Duration.ofMillis(1),
                Optional.empty(),
                false,
                1,
                128,
                1,
                -1,
                Optional.empty(),
                new BigDecimal("0.000125"),
                new BigDecimal("0.0000002020833375"));

        assertThat(record.toString())
                .contains("gbSeconds=0.000125, cost=0.0000002020833375]")
                .doesNotContain("E-");
    }

    @Test
    void pricingPrintsPlainDecimals() {
        assertThat(Pricing.LAMBDA_X86_64.toString())
                .isEqualTo(
                        "Pricing[perRequest=0.0000002, perGbSecond=0.0000166667, granularity=PT0.001S, billInit=true]");
    }
}
