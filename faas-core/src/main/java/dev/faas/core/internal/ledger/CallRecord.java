package dev.faas.core.internal.ledger;

import dev.faas.api.InvocationType;
import dev.faas.api.Outcome;

/**
 * The values the ledger keeps of one call, read where they are: from a settled invocation
 * as it is recorded (so that recording makes no object of its own), or from a {@link LedgerEntry}
 * recovered from a journal or read back from the retained ring. What only a recovered record has
 * (an id that is not a UUID, the exact decimals it was written with) is the entry's own.
 */
public interface CallRecord {

    /** The request id's UUID halves; the random bits of {@link #idLow()} also pick counter stripes. */
    long idHigh();

    long idLow();

    String function();

    String version();

    InvocationType type();

    Outcome outcome();

    long startSecond();

    int startNano();

    long durationNanos();

    /** The INIT phase's duration, or -1 when the call was warm. */
    long initNanos();

    int attempt();

    int memoryMb();

    long billedDurationMs();

    /** Heap bytes the call allocated, or -1 where not metered. */
    long allocatedBytes();

    /** The class name of the error, or null on success. */
    String errorType();

    /** memoryMb x billed milliseconds: the exact unit GB-seconds are summed in. */
    default long mbMs() {
        return (long) memoryMb() * billedDurationMs();
    }

    default boolean coldStart() {
        return initNanos() >= 0;
    }
}
