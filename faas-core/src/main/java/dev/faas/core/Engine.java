package dev.faas.core;

import dev.faas.api.RuntimeClosedException;
import dev.faas.api.TimeSource;
import dev.faas.api.ledger.Pricing;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every deployment of one runtime shares: time, threads, the shared pool, pricing, recording. */
final class Engine {

    private static final Logger log = LoggerFactory.getLogger(FaasRuntime.class);

    final TimeSource clock;
    final WorkTracker work;
    final Pricing pricing;
    final ReportLog reportLog;
    final RuntimeLedger ledger;
    /** The host's registry, or null when the runtime keeps no meters. */
    final MeterRegistry meterRegistry;
    final int concurrencyLimit;
    /** The executions every function without reserved concurrency shares: the limit less all reservations. */
    final Limiter sharedPool;
    /** Threads still running past the moment the runtime gave up on them. */
    final AtomicInteger orphans = new AtomicInteger();
    private volatile boolean closed;

    Engine(TimeSource clock, WorkTracker work, Pricing pricing, ReportLog reportLog, RuntimeLedger ledger,
           MeterRegistry meterRegistry, int concurrencyLimit) {
        this.clock = clock;
        this.work = work;
        this.pricing = pricing;
        this.reportLog = reportLog;
        this.ledger = ledger;
        this.meterRegistry = meterRegistry;
        this.concurrencyLimit = concurrencyLimit;
        this.sharedPool = new Limiter(concurrencyLimit);
    }

    void checkOpen(String function) {
        if (closed) {
            throw new RuntimeClosedException(function);
        }
    }

    boolean isClosed() {
        return closed;
    }

    void markClosed() {
        closed = true;
    }

    /**
     * Everything that follows an invocation's outcome before its caller may see it: the ledger
     * record, the meters, the REPORT line. Never throws into the invocation.
     */
    void record(Invocation invocation) {
        try {
            Deployment function = invocation.deployment();
            LedgerEntry entry = invocation.toLedgerEntry();
            ledger.record(entry, function.usage);
            if (function.metrics != null) {
                function.metrics.record(entry);
            }
            reportLog.report(invocation);
        } catch (RuntimeException e) {
            log.warn("faas: recording {} failed", invocation, e);
        }
    }
}
