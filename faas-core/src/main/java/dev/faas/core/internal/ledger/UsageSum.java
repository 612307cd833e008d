package dev.faas.core.internal.ledger;

import dev.faas.api.ledger.Pricing;
import dev.faas.api.ledger.Usage;
import java.math.BigDecimal;

/**
 * A plain accumulator of usage, for one thread: calls priced at today's pricing are summed in exact
 * integers (requests, billed milliseconds, memoryMb x billed milliseconds; cost is linear in those,
 * so it is computed once, when read), and records recovered from a journal add the decimals they
 * were written with, since the pricing then may differ from today's.
 */
final class UsageSum {

    private long requests;
    private long billedMs;
    private long mbMs;
    private long pricedRequests;
    private long pricedBilledMs;
    private BigDecimal pricedGbSeconds = BigDecimal.ZERO;
    private BigDecimal pricedCost = BigDecimal.ZERO;

    void add(CallRecord call) {
        LedgerEntry recovered = LedgerEntry.recovered(call);
        if (recovered != null) {
            pricedRequests++;
            pricedBilledMs += recovered.billedDurationMs();
            pricedGbSeconds = pricedGbSeconds.add(recovered.gbSeconds());
            pricedCost = pricedCost.add(recovered.cost());
        } else {
            add(1, call.billedDurationMs(), call.mbMs());
        }
    }

    void add(long requests, long billedMs, long mbMs) {
        this.requests += requests;
        this.billedMs += billedMs;
        this.mbMs += mbMs;
    }

    void add(UsageSum other) {
        add(other.requests, other.billedMs, other.mbMs);
        pricedRequests += other.pricedRequests;
        pricedBilledMs += other.pricedBilledMs;
        pricedGbSeconds = pricedGbSeconds.add(other.pricedGbSeconds);
        pricedCost = pricedCost.add(other.pricedCost);
    }

    Usage usage(Pricing pricing) {
        return new Usage(
                requests + pricedRequests,
                billedMs + pricedBilledMs,
                Pricing.gbSecondsOfMbMs(mbMs).add(pricedGbSeconds),
                pricing.totalCost(requests, mbMs).add(pricedCost));
    }
}
