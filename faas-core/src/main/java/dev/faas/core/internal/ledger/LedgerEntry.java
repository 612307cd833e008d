package dev.faas.core.internal.ledger;

import dev.faas.api.InvocationType;
import dev.faas.api.Outcome;
import dev.faas.api.ledger.InvocationRecord;
import dev.faas.api.ledger.Pricing;
import dev.faas.core.internal.util.RequestIds;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * One invocation as the ledger keeps it: plain values, without any decimal arithmetic. The exact
 * {@link InvocationRecord}, whose GB-seconds and cost are BigDecimals, is made from it on demand:
 * when the ledger is read or exported, and on the journal's and the sink's own threads. An entry recovered from a journal carries the decimals it was written with.
 *
 * <p>An entry holds no objects of its own: the request id as its two UUID halves (the text is made
 * when a record is), the start as epoch seconds and nanoseconds. An invocation makes none: its
 * values go straight into the ledger's counters and retained ring, and an entry is made only for
 * the journal and the sink, which keep it on other threads, and when the ring is read.
 *
 * @param idText the id as given, for a recovered id that is not a UUID; null otherwise
 * @param initNanos the INIT phase's duration, or -1 when the call was warm
 * @param errorType the class name of the error, or null on success
 * @param gbSeconds null unless recovered: then the exact figure the record was written with
 * @param cost null unless recovered: then the exact figure the record was written with
 */
public record LedgerEntry(
        long idHigh,
        long idLow,
        String idText,
        String function,
        String version,
        InvocationType type,
        Outcome outcome,
        long startSecond,
        int startNano,
        long durationNanos,
        long initNanos,
        int attempt,
        int memoryMb,
        long billedDurationMs,
        long allocatedBytes,
        String errorType,
        BigDecimal gbSeconds,
        BigDecimal cost)
        implements CallRecord {

    public LedgerEntry(
            long idHigh,
            long idLow,
            String idText,
            String function,
            String version,
            InvocationType type,
            Outcome outcome,
            Instant start,
            long durationNanos,
            long initNanos,
            int attempt,
            int memoryMb,
            long billedDurationMs,
            long allocatedBytes,
            String errorType,
            BigDecimal gbSeconds,
            BigDecimal cost) {
        this(
                idHigh,
                idLow,
                idText,
                function,
                version,
                type,
                outcome,
                start.getEpochSecond(),
                start.getNano(),
                durationNanos,
                initNanos,
                attempt,
                memoryMb,
                billedDurationMs,
                allocatedBytes,
                errorType,
                gbSeconds,
                cost);
    }

    /** A copy of what a call's record holds, for the threads that keep it after the call. */
    static LedgerEntry of(CallRecord call) {
        return call instanceof LedgerEntry entry
                ? entry
                : new LedgerEntry(
                        call.idHigh(),
                        call.idLow(),
                        null,
                        call.function(),
                        call.version(),
                        call.type(),
                        call.outcome(),
                        call.startSecond(),
                        call.startNano(),
                        call.durationNanos(),
                        call.initNanos(),
                        call.attempt(),
                        call.memoryMb(),
                        call.billedDurationMs(),
                        call.allocatedBytes(),
                        call.errorType(),
                        null,
                        null);
    }

    static LedgerEntry of(InvocationRecord record) {
        UUID id = parseUuid(record.requestId());
        return new LedgerEntry(
                id == null ? 0 : id.getMostSignificantBits(),
                id == null ? 0 : id.getLeastSignificantBits(),
                id == null ? record.requestId() : null,
                record.function(),
                record.version(),
                record.type(),
                record.outcome(),
                record.start(),
                record.duration().toNanos(),
                record.initDuration().map(Duration::toNanos).orElse(-1L),
                record.attempt(),
                record.memoryMb(),
                record.billedDurationMs(),
                record.allocatedBytes(),
                record.errorType().orElse(null),
                record.gbSeconds(),
                record.cost());
    }

    private static UUID parseUuid(String text) {
        try {
            UUID id = UUID.fromString(text);
            return id.toString().equals(text) ? id : null; // only ids that format back the same
        } catch (IllegalArgumentException notAUuid) {
            return null;
        }
    }

    /** Whether it was recovered from a journal, with the decimals it was written with. */
    public boolean recovered() {
        return cost != null;
    }

    /** The recovered entry {@code call} is, or null: a live call, or an entry the runtime made. */
    static LedgerEntry recovered(CallRecord call) {
        return call instanceof LedgerEntry entry && entry.recovered() ? entry : null;
    }

    /** The request id's text. */
    public String requestId() {
        return idText != null ? idText : RequestIds.format(idHigh, idLow);
    }

    Instant start() {
        return Instant.ofEpochSecond(startSecond, startNano);
    }

    /** Whether it started in {@code [from, to)}. */
    boolean startedIn(Instant from, Instant to) {
        return !start().isBefore(from) && start().isBefore(to);
    }

    public InvocationRecord toRecord(Pricing pricing) {
        return new InvocationRecord(
                requestId(),
                function,
                version,
                type,
                outcome,
                start(),
                Duration.ofNanos(durationNanos),
                coldStart() ? Optional.of(Duration.ofNanos(initNanos)) : Optional.empty(),
                coldStart(),
                attempt,
                memoryMb,
                billedDurationMs,
                allocatedBytes,
                Optional.ofNullable(errorType),
                gbSeconds != null ? gbSeconds : Pricing.gbSeconds(memoryMb, billedDurationMs),
                cost != null ? cost : pricing.cost(memoryMb, billedDurationMs));
    }
}
