package dev.faas.core.internal.ledger;

import dev.faas.api.ledger.Pricing;
import dev.faas.api.ledger.Usage;
import dev.faas.core.internal.util.LockWord;
import java.time.Instant;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One function's usage, exact and kept forever: requests, billed milliseconds and memoryMb x billed
 * milliseconds, in total and per minute of invocation start, so that whole-minute windows stay exact
 * after the records themselves have left the retained ring.
 *
 * <p>Recording takes no shared lock: a call adds to one of a few cells under that cell's lock word,
 * with plain adds to the cell's own cache lines. A cell sums the total and two minutes, the one its
 * latest calls started in and the one before (calls still ending from the minute just past, and
 * there are many at a minute's turn, stay in the cell); a call of a later minute moves the older of
 * the two into the map of past minutes (once a minute per cell), and a call older than both adds to
 * the map directly. A reader locks one cell at a time, and reads again if a minute moved meanwhile
 * ({@code moves} changed), so that no minute is counted twice or missed without recorders waiting
 * on it for long.
 *
 * <p>Records recovered from a journal carry their own decimals (their pricing may differ from
 * today's) and are summed apart; recovery runs before any call.
 */
public final class FunctionUsage {

    private final Cell[] cells = LockWord.stripes(2, Cell[]::new, Cell::new);
    private final int mask = cells.length - 1;
    /** Minutes moved out of the cells, to {requests, billedMs, mbMs}; changed under a cell's lock only. */
    private final NavigableMap<Long, long[]> pastMinutes = new ConcurrentSkipListMap<>();
    /** Moves from a cell into {@code pastMinutes} begun so far. */
    private final AtomicLong moves = new AtomicLong();
    /** Recovered records: in total and by minute; guarded by recoveredTotal. */
    private final UsageSum recoveredTotal = new UsageSum();

    private final Map<Long, UsageSum> recoveredMinutes = new ConcurrentHashMap<>();

    void add(CallRecord call) {
        if (LedgerEntry.recovered(call) != null) {
            addRecovered(call);
            return;
        }
        long minute = Math.floorDiv(call.startSecond(), 60);
        long billedMs = call.billedDurationMs();
        long mbMs = call.mbMs();
        Cell cell = cells[stripe(call) & mask];
        cell.lock();
        try {
            cell.requests++;
            cell.billedMs += billedMs;
            cell.mbMs += mbMs;
            if (minute == cell.minute) {
                cell.minuteRequests++;
                cell.minuteBilledMs += billedMs;
                cell.minuteMbMs += mbMs;
            } else if (minute == cell.previous) {
                cell.previousRequests++;
                cell.previousBilledMs += billedMs;
                cell.previousMbMs += mbMs;
            } else if (minute > cell.minute) {
                if (cell.previousRequests > 0) {
                    moves.incrementAndGet(); // before the move: a reader that missed it reads again
                    addPast(cell.previous, cell.previousRequests, cell.previousBilledMs, cell.previousMbMs);
                }
                cell.previous = cell.minute;
                cell.previousRequests = cell.minuteRequests;
                cell.previousBilledMs = cell.minuteBilledMs;
                cell.previousMbMs = cell.minuteMbMs;
                cell.minute = minute;
                cell.minuteRequests = 1;
                cell.minuteBilledMs = billedMs;
                cell.minuteMbMs = mbMs;
            } else {
                addPast(minute, 1, billedMs, mbMs); // older than the cell's two minutes
            }
        } finally {
            cell.unlock();
        }
    }

    /**
     * A virtual thread records one call and ends, so the call's random id bits pick its cell; a
     * platform thread may record many, and keeps to one cell of its own (as a LongAdder's cells
     * follow threads), so that two such threads do not pass the cells' lines back and forth.
     */
    private static int stripe(CallRecord call) {
        Thread current = Thread.currentThread();
        return current.isVirtual() ? (int) call.idLow() : (int) ((current.threadId() * 0x9E3779B97F4A7C15L) >>> 32);
    }

    private void addPast(long minute, long requests, long billedMs, long mbMs) {
        pastMinutes.merge(minute, new long[] {requests, billedMs, mbMs}, (sum, more) ->
                new long[] {sum[0] + more[0], sum[1] + more[1], sum[2] + more[2]});
    }

    private void addRecovered(CallRecord call) {
        synchronized (recoveredTotal) {
            recoveredTotal.add(call);
            recoveredMinutes
                    .computeIfAbsent(Math.floorDiv(call.startSecond(), 60), minute -> new UsageSum())
                    .add(call);
        }
    }

    /** Everything, recovered records included. */
    Usage total(Pricing pricing) {
        UsageSum sum = new UsageSum();
        addTotal(sum);
        return sum.usage(pricing);
    }

    /** The calls recorded by this runtime, recovered records left out. */
    long recordedRequests() {
        long requests = 0;
        for (Cell cell : cells) {
            cell.lock();
            try {
                requests += cell.requests;
            } finally {
                cell.unlock();
            }
        }
        return requests;
    }

    /** Adds everything to {@code sum}, recovered records included. */
    void addTotal(UsageSum sum) {
        for (Cell cell : cells) {
            cell.lock();
            try {
                sum.add(cell.requests, cell.billedMs, cell.mbMs);
            } finally {
                cell.unlock();
            }
        }
        synchronized (recoveredTotal) {
            sum.add(recoveredTotal);
        }
    }

    /** Adds the minutes in {@code [fromMinute, toMinute)} to {@code sum}, recovered records included. */
    void addMinutes(long fromMinute, long toMinute, UsageSum sum) {
        while (true) {
            long movesBefore = moves.get();
            UsageSum read = new UsageSum();
            for (Cell cell : cells) {
                cell.lock();
                try {
                    if (cell.minute >= fromMinute && cell.minute < toMinute) {
                        read.add(cell.minuteRequests, cell.minuteBilledMs, cell.minuteMbMs);
                    }
                    if (cell.previous >= fromMinute && cell.previous < toMinute) {
                        read.add(cell.previousRequests, cell.previousBilledMs, cell.previousMbMs);
                    }
                } finally {
                    cell.unlock();
                }
            }
            for (long[] past : pastMinutes.subMap(fromMinute, toMinute).values()) {
                read.add(past[0], past[1], past[2]);
            }
            if (moves.get() == movesBefore) { // else a minute seen in a cell may be in the map now too
                sum.add(read);
                break;
            }
        }
        synchronized (recoveredTotal) {
            recoveredMinutes.forEach((minute, recovered) -> {
                if (minute >= fromMinute && minute < toMinute) {
                    sum.add(recovered);
                }
            });
        }
    }

    static long minuteOf(Instant instant) {
        return Math.floorDiv(instant.getEpochSecond(), 60);
    }

    /** One stripe: the total and the two minutes it collects; guarded by the lock word. */
    private static final class Cell extends LockWord {
        long requests;
        long billedMs;
        long mbMs;
        long minute = Long.MIN_VALUE;
        long minuteRequests;
        long minuteBilledMs;
        long minuteMbMs;
        long previous = Long.MIN_VALUE;
        long previousRequests;
        long previousBilledMs;
        long previousMbMs;
    }
}
