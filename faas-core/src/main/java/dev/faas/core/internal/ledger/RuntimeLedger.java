package dev.faas.core.internal.ledger;

import dev.faas.api.ledger.InvocationRecord;
import dev.faas.api.ledger.Ledger;
import dev.faas.api.ledger.Pricing;
import dev.faas.api.ledger.Usage;
import dev.faas.core.internal.util.Arguments;
import dev.faas.core.internal.util.Logs;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's {@link Ledger}. Recording, on each invocation's thread, adds the entry to its
 * function's counters (exact, lock-free), to the retained ring, and hands it to the journal and the
 * sink, which do their writing on threads of their own. Under {@code Durability.sync()} the
 * journal makes the recording thread wait until its entry is on disk; that is what the caller asked
 * for. Recording never throws: a failure is logged and the invocation's outcome stands.
 */
public final class RuntimeLedger implements Ledger {

    private static final Logger log = LoggerFactory.getLogger(Logs.RUNTIME);

    private final Pricing pricing;
    private final RetainedEntries retained;
    private final ConcurrentHashMap<String, FunctionUsage> functions = new ConcurrentHashMap<>();
    private final LedgerJournal journal;
    private final SinkForwarder sink;

    public RuntimeLedger(Pricing pricing, int retention, LedgerJournal journal, SinkForwarder sink) {
        this.pricing = pricing;
        this.retained = new RetainedEntries(retention);
        this.journal = journal;
        this.sink = sink;
        if (journal != null) {
            journal.recover(this::restore);
        }
    }

    /** The usage counters of one function, kept for the runtime's life (a bill outlives an undeploy). */
    public FunctionUsage usageOf(String function) {
        return functions.computeIfAbsent(function, name -> new FunctionUsage());
    }

    /**
     * Records a settled call. Its values go into the usage counters and the retained ring as they
     * are; an entry of their own is made only for the sink and the journal, which keep it.
     */
    public void record(CallRecord call, FunctionUsage usage) {
        try {
            usage.add(call);
            retained.add(call);
            if (sink != null || journal != null) {
                LedgerEntry entry = LedgerEntry.of(call);
                if (sink != null) {
                    sink.offer(entry);
                }
                if (journal != null) {
                    journal.append(entry);
                }
            }
        } catch (RuntimeException e) {
            log.warn("faas: recording a call of '{}' failed", call.function(), e);
        }
    }

    private void restore(LedgerEntry entry) {
        usageOf(entry.function()).add(entry);
        retained.add(entry);
    }

    /** How many calls this runtime recorded, every function's, recovered records left out. */
    public long recordedCalls() {
        long calls = 0;
        for (FunctionUsage usage : functions.values()) {
            calls += usage.recordedRequests();
        }
        return calls;
    }

    /** The journal, or null: for this package's tests. */
    public LedgerJournal journal() {
        return journal;
    }

    public void close() {
        if (journal != null) {
            journal.close();
        }
        if (sink != null) {
            sink.close();
        }
    }

    @Override
    public List<InvocationRecord> entries() {
        return retained.snapshot().stream()
                .map(entry -> entry.toRecord(pricing))
                .toList();
    }

    @Override
    public Usage usage() {
        UsageSum sum = new UsageSum();
        functions.values().forEach(function -> function.addTotal(sum));
        return sum.usage(pricing);
    }

    @Override
    public Usage usage(String function) {
        FunctionUsage usage = function == null ? null : functions.get(function);
        return usage == null ? Usage.ZERO : usage.total(pricing);
    }

    /**
     * Whole minutes inside the window come from the per-minute counters, exact forever; the partial
     * minutes at its edges come from the retained entries, exact while they are retained.
     */
    @Override
    public Usage usage(String function, Instant from, Instant to) {
        Arguments.given("from", from, "the window's first instant");
        Arguments.given("to", to, "the instant the window ends before");
        FunctionUsage usage = function == null ? null : functions.get(function);
        if (usage == null || !from.isBefore(to)) {
            return Usage.ZERO;
        }
        long firstWhole = Math.ceilDiv(from.getEpochSecond() + (from.getNano() > 0 ? 1 : 0), 60);
        long endWhole = FunctionUsage.minuteOf(to);
        UsageSum sum = new UsageSum();
        if (firstWhole >= endWhole) {
            addRetained(function, from, to, sum);
        } else {
            usage.addMinutes(firstWhole, endWhole, sum);
            addRetained(function, from, Instant.ofEpochSecond(firstWhole * 60), sum);
            addRetained(function, Instant.ofEpochSecond(endWhole * 60), to, sum);
        }
        return sum.usage(pricing);
    }

    private void addRetained(String function, Instant from, Instant to, UsageSum sum) {
        if (!from.isBefore(to)) {
            return;
        }
        for (LedgerEntry entry : retained.snapshot()) {
            if (entry.function().equals(function) && entry.startedIn(from, to)) {
                sum.add(entry);
            }
        }
    }

    @Override
    public void exportCsv(Appendable out) throws IOException {
        Arguments.given("out", out, "where to write the CSV");
        LedgerExport.csv(entries(), out);
    }

    @Override
    public void exportJsonLines(Appendable out) throws IOException {
        Arguments.given("out", out, "where to write the JSON lines");
        LedgerExport.jsonLines(entries(), out);
    }
}
