package dev.faas.api.ledger;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * Usage summed over many invocations, exactly.
 *
 * @param requests how many invocations
 * @param billedDurationMs their billed durations added up, in milliseconds
 * @param gbSeconds their GB-seconds added up
 * @param cost their cost added up
 */
public record Usage(long requests, long billedDurationMs, BigDecimal gbSeconds, BigDecimal cost) {

    /** No usage at all. */
    public static final Usage ZERO = new Usage(0, 0, BigDecimal.ZERO, BigDecimal.ZERO);

    /**
     * Checks that the amounts are present, and strips their trailing zeros, so that equal amounts
     * make equal usages whatever scale they were computed at.
     */
    public Usage {
        gbSeconds = Objects.requireNonNull(gbSeconds, "gbSeconds").stripTrailingZeros();
        cost = Objects.requireNonNull(cost, "cost").stripTrailingZeros();
    }

    /** The amounts as plain decimals ({@code 0.0000002083}, never {@code 2.083E-7}): money reads as money. */
    @Override
    public String toString() {
        return "Usage[requests=" + requests + ", billedDurationMs=" + billedDurationMs + ", gbSeconds="
                + gbSeconds.toPlainString() + ", cost=" + cost.toPlainString() + "]";
    }
}
