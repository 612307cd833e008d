package dev.faas.core.internal.ledger;

import java.util.HashSet;
import java.util.Set;

/**
 * The (request id, attempt) of every record recovered so far, so that a record read twice (a
 * segment copied under another name, a batch written again after a failed write) counts once. An
 * open-addressing table of the ids' two halves, the attempt folded into the lower one (17 bytes a
 * slot, two to four slots a record: 34 to 68 bytes), kept only while a journal is recovered. It
 * grows with the journal's whole history, which nothing compacts yet. Ids that are not UUIDs (from elsewhere)
 * are kept as text. Not thread-safe.
 */
final class RecoveredIds {

    private static final long ATTEMPT_MIX = 0x9E3779B97F4A7C15L;

    private long[] highs = new long[1024];
    private long[] lows = new long[1024];
    private boolean[] used = new boolean[1024];
    private int size;
    private final Set<String> texts = new HashSet<>();

    /** Adds the record's key; false when it was there already. */
    boolean add(LedgerEntry entry) {
        if (entry.idText() != null) {
            return texts.add(entry.attempt() + ":" + entry.idText());
        }
        long high = entry.idHigh();
        long low = entry.idLow() ^ (entry.attempt() * ATTEMPT_MIX);
        if (size * 2 >= used.length) {
            grow();
        }
        return insert(high, low);
    }

    private boolean insert(long high, long low) {
        int mask = used.length - 1;
        int slot = (int) mix(high ^ Long.rotateLeft(low, 17)) & mask;
        while (used[slot]) {
            if (highs[slot] == high && lows[slot] == low) {
                return false;
            }
            slot = (slot + 1) & mask;
        }
        used[slot] = true;
        highs[slot] = high;
        lows[slot] = low;
        size++;
        return true;
    }

    private void grow() {
        long[] oldHighs = highs;
        long[] oldLows = lows;
        boolean[] oldUsed = used;
        highs = new long[oldUsed.length * 2];
        lows = new long[oldUsed.length * 2];
        used = new boolean[oldUsed.length * 2];
        size = 0;
        for (int i = 0; i < oldUsed.length; i++) {
            if (oldUsed[i]) {
                insert(oldHighs[i], oldLows[i]);
            }
        }
    }

    private static long mix(long value) {
        long z = value * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }
}
