package dev.faas.core;

import dev.faas.api.RuntimeClosedException;
import dev.faas.api.TimeSource;
import dev.faas.api.ledger.Pricing;
import java.util.concurrent.atomic.AtomicInteger;

/** What every deployment of one runtime shares: time, threads, the shared pool, pricing, reporting. */
final class Engine {

    final TimeSource clock;
    final WorkTracker work;
    final Pricing pricing;
    final ReportLog reportLog;
    final int concurrencyLimit;
    /** The executions every function without reserved concurrency shares: the limit less all reservations. */
    final Limiter sharedPool;
    /** Threads still running past the moment the runtime gave up on them. */
    final AtomicInteger orphans = new AtomicInteger();
    private volatile boolean closed;

    Engine(TimeSource clock, WorkTracker work, Pricing pricing, ReportLog reportLog, int concurrencyLimit) {
        this.clock = clock;
        this.work = work;
        this.pricing = pricing;
        this.reportLog = reportLog;
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

    /** Everything that follows an invocation's outcome before the caller may see it. */
    void record(Invocation invocation) {
        reportLog.report(invocation);
    }
}
