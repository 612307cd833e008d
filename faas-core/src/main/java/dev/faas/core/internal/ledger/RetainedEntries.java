package dev.faas.core.internal.ledger;

import dev.faas.api.InvocationType;
import dev.faas.api.Outcome;
import dev.faas.core.internal.util.VarHandles;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The newest entries, in a ring of slots that are written over in place.
 *
 * <p>Why not a ring of references to the entries: an entry lives until the ring comes round, which
 * at 100,000 calls in flight is long enough for every young collection to copy it, and then to
 * promote it. Copying its values into a slot that is already old leaves the entry itself to die
 * young (an invocation makes none at all: its values are copied from it), and costs the collector
 * nothing: measured at 100,000 concurrent calls, retaining entries by reference tripled the time
 * spent in young collections. The ring has a power of two of slots, at least the capacity, so that
 * a sequence number finds its slot with a mask rather than a division; a snapshot reads the newest
 * {@code capacity} of them.
 *
 * <p>Each slot is a seqlock whose stamp also says which entry it holds: {@code 2 (sequence + 1)}
 * once written, odd while a writer copies values in. A writer takes the next sequence number and
 * makes the slot's stamp odd with a compare-and-set (which also keeps out a writer that came round
 * the ring while this one was still writing: it waits the few stores it takes), copies the values,
 * and sets the stamp. A reader copies the values out and keeps them only if the stamp was the one
 * it was looking for and unchanged around the copy; so a snapshot never shows an entry twice, torn,
 * or out of order, and one written while the snapshot is taken may or may not be in it.
 */
@SuppressWarnings("EnumOrdinal") // slots pack ordinals in memory only; the journal has codes of its own
final class RetainedEntries {

    private static final InvocationType[] TYPES = InvocationType.values();
    private static final Outcome[] OUTCOMES = Outcome.values();

    private final int capacity;
    private final int mask;
    private final AtomicReferenceArray<Slot> slots;
    private final AtomicLong next = new AtomicLong();

    RetainedEntries(int capacity) {
        this.capacity = capacity;
        int size = capacity <= 1 ? 1 : Integer.highestOneBit(capacity - 1) << 1;
        this.slots = new AtomicReferenceArray<>(size);
        this.mask = size - 1;
    }

    void add(CallRecord call) {
        if (capacity == 0) {
            return;
        }
        long sequence = next.getAndIncrement();
        slot((int) sequence & mask).write(sequence, call);
    }

    /** The slot at {@code index}, made on first use: a ring that is never filled costs only what it holds. */
    private Slot slot(int index) {
        Slot slot = slots.getPlain(index);
        if (slot == null) {
            slot = slots.get(index);
            if (slot == null) {
                Slot made = new Slot();
                slot = slots.compareAndExchange(index, null, made);
                if (slot == null) {
                    slot = made;
                }
            }
        }
        return slot;
    }

    /** The retained entries, oldest first. */
    List<LedgerEntry> snapshot() {
        long end = next.get();
        long begin = Math.max(0, end - capacity);
        List<LedgerEntry> entries = new ArrayList<>((int) (end - begin));
        for (long sequence = begin; sequence < end; sequence++) {
            Slot slot = slots.get((int) sequence & mask);
            LedgerEntry entry = slot == null ? null : slot.read(sequence);
            if (entry != null) {
                entries.add(entry);
            }
        }
        return entries;
    }

    /** What only a record recovered from a journal has. */
    private record Recovered(String idText, BigDecimal gbSeconds, BigDecimal cost) {}

    /** One place in the ring: a copy of an entry's values, guarded by its stamp. */
    private static final class Slot {

        private static final VarHandle STAMP = VarHandles.field(MethodHandles.lookup(), "stamp", long.class);

        /** 2 (sequence + 1) of the entry held, 0 when none; odd while a writer copies values in. */
        private volatile long stamp;

        private long idHigh;
        private long idLow;
        private long startSecond;
        private long durationNanos;
        private long initNanos;
        private long billedDurationMs;
        private long allocatedBytes;
        private int startNano;
        private int memoryMb;
        private int attempt;
        /** The type's ordinal times 8 plus the outcome's. */
        private int kinds;

        private String function;
        private String version;
        private String errorType;
        private Recovered recovered;

        @SuppressWarnings("ReferenceEquality") // identity is the point: a store is skipped only for the same reference
        void write(long sequence, CallRecord call) {
            // Every value is read before the slot is taken, so that the odd window holds plain
            // stores only and a failing read cannot leave a torn entry behind.
            long idHigh = call.idHigh();
            long idLow = call.idLow();
            long startSecond = call.startSecond();
            int startNano = call.startNano();
            long durationNanos = call.durationNanos();
            long initNanos = call.initNanos();
            long billedDurationMs = call.billedDurationMs();
            long allocatedBytes = call.allocatedBytes();
            int memoryMb = call.memoryMb();
            int attempt = call.attempt();
            int kinds = call.type().ordinal() << 3 | call.outcome().ordinal();
            String function = call.function();
            String version = call.version();
            String errorType = call.errorType();
            Recovered recovered = call instanceof LedgerEntry entry && (entry.idText() != null || entry.recovered())
                    ? new Recovered(entry.idText(), entry.gbSeconds(), entry.cost())
                    : null;
            long held;
            while (true) {
                held = stamp;
                if ((held & 1) == 0) {
                    if (held >= 2 * (sequence + 1)) {
                        return; // the ring came round past this entry already: it is no longer retained
                    }
                    if (STAMP.compareAndSet(this, held, held + 1)) {
                        break;
                    }
                }
                Thread.onSpinWait(); // a writer a whole ring behind is finishing its copy
            }
            this.idHigh = idHigh;
            this.idLow = idLow;
            this.startSecond = startSecond;
            this.startNano = startNano;
            this.durationNanos = durationNanos;
            this.initNanos = initNanos;
            this.billedDurationMs = billedDurationMs;
            this.allocatedBytes = allocatedBytes;
            this.memoryMb = memoryMb;
            this.attempt = attempt;
            this.kinds = kinds;
            // A reference stored into a slot, which is old, runs the collector's write barrier (G1
            // dirties and enqueues a card for it); the ring comes round with the same function,
            // version and no error far more often than not, so those stores are skipped.
            if (this.function != function) {
                this.function = function;
            }
            if (this.version != version) {
                this.version = version;
            }
            if (this.errorType != errorType) {
                this.errorType = errorType;
            }
            if (this.recovered != recovered) {
                this.recovered = recovered;
            }
            stamp = 2 * (sequence + 1);
        }

        /** A copy of the entry with {@code wanted}, or null if the slot no longer (or not yet) holds it. */
        LedgerEntry read(long wanted) {
            long expected = 2 * (wanted + 1);
            while (true) {
                long before = stamp;
                if ((before & 1) != 0) {
                    Thread.onSpinWait();
                    continue;
                }
                Recovered extra = recovered;
                LedgerEntry copy = before != expected
                        ? null
                        : new LedgerEntry(
                                idHigh,
                                idLow,
                                extra == null ? null : extra.idText(),
                                function,
                                version,
                                TYPES[kinds >>> 3],
                                OUTCOMES[kinds & 7],
                                startSecond,
                                startNano,
                                durationNanos,
                                initNanos,
                                attempt,
                                memoryMb,
                                billedDurationMs,
                                allocatedBytes,
                                errorType,
                                extra == null ? null : extra.gbSeconds(),
                                extra == null ? null : extra.cost());
                VarHandle.loadLoadFence(); // the copy's reads happen before the stamp is read again
                if (stamp == before) {
                    return copy;
                }
            }
        }
    }
}
