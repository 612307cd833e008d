package dev.faas.core;

import dev.faas.api.ledger.Pricing;
import dev.faas.api.ledger.Usage;
import java.math.BigDecimal;
import java.util.concurrent.atomic.LongAdder;

/**
 * Usage summed exactly and without a lock: requests, billed milliseconds and memoryMb x billed
 * milliseconds in striped adders; cost is linear in those, so it is computed exactly when read.
 * Records recovered from a journal add their own decimals instead, since the pricing they were
 * written with may differ from today's; recovery runs before any call, on one thread.
 */
final class UsageCounter {

    private final LongAdder requests = new LongAdder();
    private final LongAdder billedMs = new LongAdder();
    private final LongAdder mbMs = new LongAdder();
    private final Recovered recovered = new Recovered();

    void add(LedgerEntry entry) {
        if (entry.cost != null) {
            recovered.add(entry);
            return;
        }
        requests.increment();
        billedMs.add(entry.billedDurationMs);
        mbMs.add(entry.mbMs());
    }

    Usage usage(Pricing pricing) {
        long mbMsSum = mbMs.sum();
        long requestSum = requests.sum();
        synchronized (recovered) {
            return new Usage(requestSum + recovered.requests, billedMs.sum() + recovered.billedMs,
                    Pricing.gbSecondsOfMbMs(mbMsSum).add(recovered.gbSeconds),
                    pricing.totalCost(requestSum, mbMsSum).add(recovered.cost));
        }
    }

    /** A plain accumulator for queries: adds entries one by one, on one thread. */
    static final class Sum {
        private long requests;
        private long billedMs;
        private long mbMs;
        private final Recovered recovered = new Recovered();

        void add(LedgerEntry entry) {
            if (entry.cost != null) {
                recovered.add(entry);
                return;
            }
            requests++;
            billedMs += entry.billedDurationMs;
            mbMs += entry.mbMs();
        }

        void add(Usage usage) {
            recovered.requests += usage.requests();
            recovered.billedMs += usage.billedDurationMs();
            recovered.gbSeconds = recovered.gbSeconds.add(usage.gbSeconds());
            recovered.cost = recovered.cost.add(usage.cost());
        }

        Usage usage(Pricing pricing) {
            return new Usage(requests + recovered.requests, billedMs + recovered.billedMs,
                    Pricing.gbSecondsOfMbMs(mbMs).add(recovered.gbSeconds),
                    pricing.totalCost(requests, mbMs).add(recovered.cost));
        }
    }

    /** Usage carried by records with their own decimals. */
    private static final class Recovered {
        long requests;
        long billedMs;
        BigDecimal gbSeconds = BigDecimal.ZERO;
        BigDecimal cost = BigDecimal.ZERO;

        synchronized void add(LedgerEntry entry) {
            requests++;
            billedMs += entry.billedDurationMs;
            gbSeconds = gbSeconds.add(entry.gbSeconds);
            cost = cost.add(entry.cost);
        }
    }
}
