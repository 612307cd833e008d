package dev.faas.core;

import dev.faas.api.InvocationType;
import dev.faas.api.Outcome;
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
 * young, and costs the collector nothing: measured at 100,000 concurrent calls, retaining entries by
 * reference tripled the time spent in young collections.
 *
 * <p>Each slot is a seqlock. A writer takes the next sequence number, makes the slot's stamp odd
 * (the compare-and-set also keeps out a writer that came round the ring while this one was still
 * writing: it waits the few stores it takes), copies the values, and makes the stamp even again. A
 * reader copies the values out and keeps them only if the stamp was even and unchanged around the
 * copy, and the slot still holds the sequence number it was looking for; so a snapshot never shows
 * an entry twice, torn, or out of order, and one written while the snapshot is taken may or may not
 * be in it.
 */
final class RetainedEntries {

    private final int capacity;
    private final AtomicReferenceArray<Slot> slots;
    private final AtomicLong next = new AtomicLong();

    RetainedEntries(int capacity) {
        this.capacity = capacity;
        this.slots = new AtomicReferenceArray<>(Math.max(capacity, 1));
    }

    void add(CallRecord call) {
        if (capacity == 0) {
            return;
        }
        long sequence = next.getAndIncrement();
        slot((int) (sequence % capacity)).write(sequence, call);
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
            Slot slot = slots.get((int) (sequence % capacity));
            LedgerEntry entry = slot == null ? null : slot.read(sequence);
            if (entry != null) {
                entries.add(entry);
            }
        }
        return entries;
    }

    /** One place in the ring: a copy of an entry's values, guarded by its stamp. */
    private static final class Slot {

        private static final VarHandle STAMP;

        static {
            try {
                STAMP = MethodHandles.lookup().findVarHandle(Slot.class, "stamp", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** Odd while a writer copies values in. */
        private volatile long stamp;
        private long sequence = -1;
        private long idHigh;
        private long idLow;
        private String idText;
        private String function;
        private String version;
        private InvocationType type;
        private Outcome outcome;
        private long startSecond;
        private int startNano;
        private long durationNanos;
        private long initNanos;
        private int attempt;
        private int memoryMb;
        private long billedDurationMs;
        private long allocatedBytes;
        private String errorType;
        private BigDecimal gbSeconds;
        private BigDecimal cost;

        void write(long sequence, CallRecord call) {
            long unlocked;
            while (true) {
                unlocked = stamp;
                if ((unlocked & 1) == 0 && STAMP.compareAndSet(this, unlocked, unlocked + 1)) {
                    break;
                }
                Thread.onSpinWait(); // a writer a whole ring behind is finishing its copy
            }
            try {
                if (sequence < this.sequence) {
                    return; // the ring came round past this entry already: it is no longer retained
                }
                this.sequence = sequence;
                idHigh = call.idHigh();
                idLow = call.idLow();
                idText = call.idText();
                function = call.function();
                version = call.version();
                type = call.type();
                outcome = call.outcome();
                startSecond = call.startSecond();
                startNano = call.startNano();
                durationNanos = call.durationNanos();
                initNanos = call.initNanos();
                attempt = call.attempt();
                memoryMb = call.memoryMb();
                billedDurationMs = call.billedDurationMs();
                allocatedBytes = call.allocatedBytes();
                errorType = call.errorType();
                gbSeconds = call.gbSeconds();
                cost = call.cost();
            } finally {
                stamp = unlocked + 2;
            }
        }

        /** A copy of the entry with {@code wanted}, or null if the slot no longer (or not yet) holds it. */
        LedgerEntry read(long wanted) {
            while (true) {
                long before = stamp;
                if ((before & 1) != 0) {
                    Thread.onSpinWait();
                    continue;
                }
                LedgerEntry copy = sequence != wanted ? null : new LedgerEntry(idHigh, idLow, idText, function,
                        version, type, outcome, startSecond, startNano, durationNanos, initNanos, attempt, memoryMb,
                        billedDurationMs, allocatedBytes, errorType, gbSeconds, cost);
                VarHandle.loadLoadFence(); // the copy's reads happen before the stamp is read again
                if (stamp == before) {
                    return copy;
                }
            }
        }
    }
}
