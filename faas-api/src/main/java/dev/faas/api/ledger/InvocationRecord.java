package dev.faas.api.ledger;

import dev.faas.api.InvocationType;
import dev.faas.api.Outcome;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the ledger keeps of one invocation that ran (or tried to): plain values only, no payloads
 * and no throwables, so that it is small and survives a journal unchanged.
 *
 * @param requestId the invocation's id
 * @param function the function's name
 * @param version the function's version
 * @param type how it was requested
 * @param outcome how it ended
 * @param start when it started
 * @param duration how long the handler ran (the full timeout for a timeout)
 * @param initDuration the INIT phase's duration, on a cold start
 * @param coldStart whether it created its environment
 * @param attempt the try number
 * @param memoryMb the declared memory
 * @param billedDurationMs the billed duration in milliseconds
 * @param allocatedBytes heap bytes allocated; -1 where not metered
 * @param errorType the class name of the error, when it failed
 * @param gbSeconds memoryMb / 1024 x billed seconds, exactly
 * @param cost what the call costs under the runtime's pricing, exactly
 */
public record InvocationRecord(
        String requestId,
        String function,
        String version,
        InvocationType type,
        Outcome outcome,
        Instant start,
        Duration duration,
        Optional<Duration> initDuration,
        boolean coldStart,
        int attempt,
        int memoryMb,
        long billedDurationMs,
        long allocatedBytes,
        Optional<String> errorType,
        BigDecimal gbSeconds,
        BigDecimal cost) {

    /**
     * Checks that no component is null, and strips the amounts' trailing zeros, so that equal
     * amounts make equal records whatever scale they were computed at.
     */
    public InvocationRecord {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(function, "function");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(initDuration, "initDuration");
        Objects.requireNonNull(errorType, "errorType");
        gbSeconds = Objects.requireNonNull(gbSeconds, "gbSeconds").stripTrailingZeros();
        cost = Objects.requireNonNull(cost, "cost").stripTrailingZeros();
    }

    /** Every component, the amounts as plain decimals ({@code 0.0000002083}, never {@code 2.083E-7}). */
    @Override
    public String toString() {
        return "InvocationRecord[requestId=" + requestId + ", function=" + function + ", version=" + version
                + ", type=" + type + ", outcome=" + outcome + ", start=" + start + ", duration=" + duration
                + ", initDuration=" + initDuration + ", coldStart=" + coldStart + ", attempt=" + attempt
                + ", memoryMb=" + memoryMb + ", billedDurationMs=" + billedDurationMs + ", allocatedBytes="
                + allocatedBytes + ", errorType=" + errorType + ", gbSeconds=" + gbSeconds.toPlainString()
                + ", cost=" + cost.toPlainString() + "]";
    }
}
