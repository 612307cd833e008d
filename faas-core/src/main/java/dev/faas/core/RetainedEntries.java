package dev.faas.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The newest entries, in a ring: adding takes one atomic increment and one array store, no lock. A
 * reader walks the last {@code capacity} sequence numbers and keeps the entries still holding theirs,
 * so a snapshot never shows an entry twice or out of order; one written while the snapshot is taken
 * may or may not be in it.
 */
final class RetainedEntries {

    private final int capacity;
    private final AtomicReferenceArray<LedgerEntry> ring;
    private final AtomicLong next = new AtomicLong();

    RetainedEntries(int capacity) {
        this.capacity = capacity;
        this.ring = new AtomicReferenceArray<>(Math.max(capacity, 1));
    }

    void add(LedgerEntry entry) {
        if (capacity == 0) {
            return;
        }
        long sequence = next.getAndIncrement();
        entry.sequence = sequence;
        ring.set((int) (sequence % capacity), entry);
    }

    /** The retained entries, oldest first. */
    List<LedgerEntry> snapshot() {
        long end = next.get();
        long begin = Math.max(0, end - capacity);
        List<LedgerEntry> entries = new ArrayList<>((int) (end - begin));
        for (long sequence = begin; sequence < end; sequence++) {
            LedgerEntry entry = ring.get((int) (sequence % capacity));
            if (entry != null && entry.sequence == sequence) {
                entries.add(entry);
            }
        }
        return entries;
    }
}
