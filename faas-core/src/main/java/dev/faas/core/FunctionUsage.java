package dev.faas.core;

import dev.faas.api.Outcome;
import dev.faas.api.ledger.Pricing;
import dev.faas.api.ledger.Usage;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One function's usage, exact and kept forever: requests (by outcome), billed milliseconds and
 * memoryMb x billed milliseconds, in total and per minute of invocation start, so that whole-minute
 * windows stay exact after the records themselves have left the retained ring.
 *
 * <p>Recording takes no shared lock: a call adds to one of a few cells, picked by the random bits of
 * its request id, under that cell's lock word, with plain adds to the cell's own cache lines. A cell
 * sums the total and one minute at a time, the minute its latest calls started in; a call of a later
 * minute first moves the cell's minute into the map of past minutes (once a minute per cell), and a
 * late call of an earlier minute adds to the map directly, both under the cell's lock. A reader of
 * the total locks each cell in turn; a reader of minutes locks every cell at once, so that no minute
 * moves under it: none is counted twice or missed.
 *
 * <p>Records recovered from a journal carry their own decimals (their pricing may differ from
 * today's) and are summed apart; recovery runs before any call.
 */
final class FunctionUsage {

    private static final Outcome[] OUTCOMES = Outcome.values();

    private final Cell[] cells;
    private final int mask;
    /** Minutes moved out of the cells, to {requests, billedMs, mbMs}; changed under a cell's lock only. */
    private final Map<Long, long[]> pastMinutes = new ConcurrentHashMap<>();
    /** Recovered records: in total and by minute; guarded by itself. */
    private final UsageSum recoveredTotal = new UsageSum();
    private final Map<Long, UsageSum> recoveredMinutes = new ConcurrentHashMap<>();

    FunctionUsage() {
        int count = Integer.highestOneBit(Math.max(2, Runtime.getRuntime().availableProcessors() * 2) - 1) << 1;
        cells = new Cell[Math.min(count, 64)];
        for (int i = 0; i < cells.length; i++) {
            cells[i] = new Cell();
        }
        mask = cells.length - 1;
    }

    void add(CallRecord call) {
        if (call.cost() != null) {
            addRecovered(call);
            return;
        }
        long minute = Math.floorDiv(call.startSecond(), 60);
        long billedMs = call.billedDurationMs();
        long mbMs = call.mbMs();
        Cell cell = cells[stripe(call) & mask];
        cell.lock();
        try {
            cell.requests[call.outcome().ordinal()]++;
            cell.billedMs += billedMs;
            cell.mbMs += mbMs;
            if (minute == cell.minute) {
                cell.minuteRequests++;
                cell.minuteBilledMs += billedMs;
                cell.minuteMbMs += mbMs;
            } else if (minute > cell.minute) {
                if (cell.minuteRequests > 0) {
                    addPast(cell.minute, cell.minuteRequests, cell.minuteBilledMs, cell.minuteMbMs);
                }
                cell.minute = minute;
                cell.minuteRequests = 1;
                cell.minuteBilledMs = billedMs;
                cell.minuteMbMs = mbMs;
            } else {
                addPast(minute, 1, billedMs, mbMs); // a call that started before the cell's minute
            }
        } finally {
            cell.unlock();
        }
    }

    /**
     * A virtual thread records one call and ends, so the call's random id bits pick its cell; a
     * platform thread that records many (a metered call's own thread, a benchmark) keeps to one
     * cell of its own, so that two of them do not pass the cells' lines back and forth.
     */
    private static int stripe(CallRecord call) {
        Thread current = Thread.currentThread();
        return current.isVirtual() ? (int) call.idLow() : (int) (current.threadId() * 0x9E3779B97F4A7C15L >>> 32);
    }

    private void addPast(long minute, long requests, long billedMs, long mbMs) {
        pastMinutes.merge(minute, new long[] {requests, billedMs, mbMs},
                (sum, more) -> new long[] {sum[0] + more[0], sum[1] + more[1], sum[2] + more[2]});
    }

    private void addRecovered(CallRecord call) {
        synchronized (recoveredTotal) {
            recoveredTotal.add(call);
            recoveredMinutes.computeIfAbsent(Math.floorDiv(call.startSecond(), 60), minute -> new UsageSum()).add(call);
        }
    }

    /** Everything, recovered records included. */
    Usage total(Pricing pricing) {
        UsageSum sum = new UsageSum();
        addTotal(sum);
        return sum.usage(pricing);
    }

    /** Adds everything to {@code sum}, recovered records included. */
    void addTotal(UsageSum sum) {
        for (Cell cell : cells) {
            cell.lock();
            try {
                long requests = 0;
                for (long count : cell.requests) {
                    requests += count;
                }
                sum.add(requests, cell.billedMs, cell.mbMs);
            } finally {
                cell.unlock();
            }
        }
        synchronized (recoveredTotal) {
            sum.add(recoveredTotal);
        }
    }

    /** Calls recorded in this process (recovered ones apart) that ended in {@code outcome}. */
    long requests(Outcome outcome) {
        long requests = 0;
        for (Cell cell : cells) {
            cell.lock();
            try {
                requests += cell.requests[outcome.ordinal()];
            } finally {
                cell.unlock();
            }
        }
        return requests;
    }

    /** The cost of the calls recorded in this process, recovered ones apart; a double for meters. */
    double recordedCost(Pricing pricing) {
        long requests = 0;
        long mbMs = 0;
        for (Outcome outcome : OUTCOMES) {
            requests += requests(outcome);
        }
        for (Cell cell : cells) {
            cell.lock();
            try {
                mbMs += cell.mbMs;
            } finally {
                cell.unlock();
            }
        }
        return pricing.totalCost(requests, mbMs).doubleValue();
    }

    /** Adds the minutes in {@code [fromMinute, toMinute)} to {@code sum}, recovered records included. */
    void addMinutes(long fromMinute, long toMinute, UsageSum sum) {
        int locked = 0;
        try {
            for (Cell cell : cells) {
                cell.lock();
                locked++;
            }
            pastMinutes.forEach((minute, past) -> {
                if (minute >= fromMinute && minute < toMinute) {
                    sum.add(past[0], past[1], past[2]);
                }
            });
            for (Cell cell : cells) {
                if (cell.minute >= fromMinute && cell.minute < toMinute) {
                    sum.add(cell.minuteRequests, cell.minuteBilledMs, cell.minuteMbMs);
                }
            }
        } finally {
            for (int i = 0; i < locked; i++) {
                cells[i].unlock();
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

    /** One stripe: the total and the minute it collects, in about two cache lines of their own. */
    private static final class Cell extends LockWord {
        // Guarded by the lock word:
        private final long[] requests = new long[OUTCOMES.length];
        long billedMs;
        long mbMs;
        long minute = Long.MIN_VALUE;
        long minuteRequests;
        long minuteBilledMs;
        long minuteMbMs;
        @SuppressWarnings("unused")
        private long p0;
        @SuppressWarnings("unused")
        private long p1;
        @SuppressWarnings("unused")
        private long p2;
        @SuppressWarnings("unused")
        private long p3;
        @SuppressWarnings("unused")
        private long p4;
        @SuppressWarnings("unused")
        private long p5;
        @SuppressWarnings("unused")
        private long p6;
        @SuppressWarnings("unused")
        private long p7;

        void count(Outcome outcome) {
            requests[outcome.ordinal()]++;
        }
    }
}
