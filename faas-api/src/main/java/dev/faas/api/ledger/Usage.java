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

    /** Checks that the amounts are present. */
    public Usage {
        Objects.requireNonNull(gbSeconds, "gbSeconds");
        Objects.requireNonNull(cost, "cost");
    }
}
