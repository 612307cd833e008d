package dev.faas.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The full story of one invocation that ran (or tried to): what {@link FunctionRef#invokeForReport}
 * returns, the output and the error included.
 *
 * @param requestId the invocation's id
 * @param function the function's name
 * @param version the function's version ({@code "$LATEST"})
 * @param type how the invocation was requested
 * @param outcome how it ended
 * @param start when the invocation started (the INIT phase, on a cold start, comes first)
 * @param duration how long the handler ran; the full timeout for {@link Outcome#TIMEOUT}, zero for
 *     {@link Outcome#INIT_ERROR}
 * @param billedDurationMs what the call is billed for, in milliseconds (see the runtime's pricing)
 * @param memoryMb the function's declared memory
 * @param allocatedBytes heap bytes the call allocated; -1 where not metered
 * @param initDuration how long the INIT phase took, on a cold start
 * @param coldStart whether this call created its execution environment
 * @param attempt the try number: 1, or 2 and 3 on EVENT retries
 * @param output the handler's output, when it returned a non-null value
 * @param error the exception {@link FunctionRef#invoke} would have thrown, when the outcome is not
 *     {@link Outcome#SUCCESS}
 */
public record InvocationReport(
        String requestId,
        String function,
        String version,
        InvocationType type,
        Outcome outcome,
        Instant start,
        Duration duration,
        long billedDurationMs,
        int memoryMb,
        long allocatedBytes,
        Optional<Duration> initDuration,
        boolean coldStart,
        int attempt,
        Optional<Object> output,
        Optional<Throwable> error) {

    /** Checks that no component is null. */
    public InvocationReport {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(function, "function");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(initDuration, "initDuration");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(error, "error");
    }

    /** Whether the outcome is {@link Outcome#SUCCESS}. */
    public boolean succeeded() {
        return outcome == Outcome.SUCCESS;
    }
}
