package dev.faas.api.ledger;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;

/**
 * What a call costs: a price per request plus a price per GB-second of billed duration, Lambda's
 * model. Money is exact ({@link BigDecimal}, never a double).
 *
 * <p>Billing rules: the billed duration is the duration (plus the INIT duration of a cold start when
 * {@code billInit}) rounded up to the granularity, at least one unit; a timeout is billed for the
 * full timeout; a failed INIT is billed for its INIT time. GB-seconds = memoryMb / 1024 x billed
 * seconds; cost = perRequest + GB-seconds x perGbSecond.
 *
 * @param perRequest the price of one request, in USD
 * @param perGbSecond the price of one GB-second, in USD
 * @param granularity what billed durations are rounded up to: a whole number of milliseconds, at least 1 ms
 * @param billInit whether the INIT phase of a cold start is billed (Lambda bills it since August 2025)
 */
public record Pricing(BigDecimal perRequest, BigDecimal perGbSecond, Duration granularity, boolean billInit) {

    // First: the constants below are made by the constructor, which reads it.
    /** The coarsest granularity: an hour (coarser ones would overflow the billed sums). */
    private static final Duration MAX_GRANULARITY = Duration.ofHours(1);

    /** Lambda on x86_64: 0.20 USD per million requests, 0.0000166667 USD per GB-second, 1 ms, INIT billed. */
    public static final Pricing LAMBDA_X86_64 =
            new Pricing(new BigDecimal("0.0000002"), new BigDecimal("0.0000166667"), Duration.ofMillis(1), true);

    /** Lambda on arm64: 0.20 USD per million requests, 0.0000133334 USD per GB-second, 1 ms, INIT billed. */
    public static final Pricing LAMBDA_ARM64 =
            new Pricing(new BigDecimal("0.0000002"), new BigDecimal("0.0000133334"), Duration.ofMillis(1), true);

    /** MB x ms in one GB-second: 1024 MB x 1000 ms. */
    private static final BigDecimal MB_MS_PER_GB_SECOND = BigDecimal.valueOf(1024L * 1000L);

    /** Checks that the prices are not negative and the granularity is a whole number of milliseconds. */
    public Pricing {
        Objects.requireNonNull(perRequest, "perRequest");
        Objects.requireNonNull(perGbSecond, "perGbSecond");
        Objects.requireNonNull(granularity, "granularity");
        if (perRequest.signum() < 0 || perGbSecond.signum() < 0) {
            throw new IllegalArgumentException("prices must not be negative, but were " + perRequest
                    + " per request and " + perGbSecond + " per GB-second");
        }
        if (granularity.compareTo(Duration.ofMillis(1)) < 0
                || granularity.compareTo(MAX_GRANULARITY) > 0
                || granularity.toNanosPart() % 1_000_000 != 0) {
            throw new IllegalArgumentException(
                    "granularity must be a whole number of milliseconds, 1 ms to 1 h," + " but was " + granularity);
        }
    }

    /**
     * The billed duration of a call that ran for {@code nanos}: rounded up to the granularity, at
     * least one unit.
     *
     * @param nanos the billable time in nanoseconds (duration, plus INIT where billed)
     * @return the billed duration in milliseconds
     */
    public long billedDurationMs(long nanos) {
        long unit = granularity.toNanos();
        long units = Math.max(1, Math.ceilDiv(Math.max(0, nanos), unit));
        return Math.multiplyExact(units, granularity.toMillis());
    }

    /**
     * The GB-seconds of a billed duration, exactly.
     *
     * @param memoryMb the function's memory
     * @param billedDurationMs the billed duration
     * @return memoryMb / 1024 x billedDurationMs / 1000
     */
    public static BigDecimal gbSeconds(int memoryMb, long billedDurationMs) {
        return gbSecondsOfMbMs(Math.multiplyExact((long) memoryMb, billedDurationMs));
    }

    /**
     * The GB-seconds of a sum of memoryMb x billed milliseconds, exactly (the division terminates:
     * 1,024,000 has no prime factors but 2 and 5).
     *
     * @param mbMs megabyte-milliseconds
     * @return the GB-seconds
     */
    public static BigDecimal gbSecondsOfMbMs(long mbMs) {
        return BigDecimal.valueOf(mbMs).divide(MB_MS_PER_GB_SECOND).stripTrailingZeros();
    }

    /**
     * The cost of one call.
     *
     * @param memoryMb the function's memory
     * @param billedDurationMs its billed duration
     * @return perRequest + GB-seconds x perGbSecond
     */
    public BigDecimal cost(int memoryMb, long billedDurationMs) {
        return perRequest.add(gbSeconds(memoryMb, billedDurationMs).multiply(perGbSecond));
    }

    /**
     * The cost of many calls from their exact sums.
     *
     * @param requests how many calls
     * @param mbMs the sum of memoryMb x billed milliseconds over them
     * @return requests x perRequest + GB-seconds x perGbSecond
     */
    public BigDecimal totalCost(long requests, long mbMs) {
        return perRequest
                .multiply(BigDecimal.valueOf(requests))
                .add(gbSecondsOfMbMs(mbMs).multiply(perGbSecond));
    }

    /** The prices as plain decimals ({@code 0.0000002}, never {@code 2E-7}). */
    @Override
    public String toString() {
        return "Pricing[perRequest=" + perRequest.toPlainString() + ", perGbSecond=" + perGbSecond.toPlainString()
                + ", granularity=" + granularity + ", billInit=" + billInit + "]";
    }
}
