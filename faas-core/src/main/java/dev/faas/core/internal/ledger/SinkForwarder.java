package dev.faas.core.internal.ledger;

import dev.faas.api.ledger.InvocationRecord;
import dev.faas.api.ledger.LedgerSink;
import dev.faas.api.ledger.Pricing;
import dev.faas.core.internal.util.Failures;
import dev.faas.core.internal.util.Logs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands ledger records to a host's {@link LedgerSink} in batches, on a thread of its own, so that a
 * slow or failing sink never slows an invocation. A failed batch is tried three more times with a
 * growing pause; then it is dropped with an ERROR line that counts the records. The queue is bounded:
 * past {@link #MAX_QUEUED} waiting records, new ones are dropped and counted the same way (the
 * in-memory ledger and the journal still have them).
 */
public final class SinkForwarder extends BatchWriter<LedgerEntry> {

    static final int MAX_QUEUED = 1_000_000;
    private static final int MAX_BATCH = 1000;
    private static final int RETRIES = 3;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(Logs.RUNTIME);

    private final LedgerSink sink;
    private final Pricing pricing;
    /** Records queued or in the batch being sent. */
    private final AtomicInteger queued = new AtomicInteger();

    private final AtomicInteger overflow = new AtomicInteger();

    public SinkForwarder(LedgerSink sink, Pricing pricing) {
        super("faas-ledger-sink", MAX_BATCH);
        this.sink = sink;
        this.pricing = pricing;
        start();
    }

    void offer(LedgerEntry entry) {
        if (queued.incrementAndGet() > MAX_QUEUED) {
            queued.decrementAndGet();
            if (overflow.getAndIncrement() == 0) {
                log.error(
                        "faas: the ledger sink {} cannot keep up: more than {} records wait; records past that"
                                + " are not sent to it (the ledger and its journal keep them)",
                        sink,
                        MAX_QUEUED);
            }
            return;
        }
        enqueue(entry);
    }

    /** Sends what is queued, then closes the sink. */
    public void close() {
        stop(CLOSE_WAIT);
        try {
            sink.close();
        } catch (Exception e) {
            log.warn("faas: closing the ledger sink {} failed", sink, e);
        }
        int dropped = overflow.get();
        if (dropped > 0) {
            log.error("faas: {} ledger records were not sent to the sink {} because its queue was full", dropped, sink);
        }
    }

    /** Sends the batch, tried three more times with a growing pause; then drops it, said so. Always done with it. */
    @Override
    boolean write(List<LedgerEntry> entries) {
        List<InvocationRecord> batch = new ArrayList<>(entries.size());
        for (LedgerEntry entry : entries) {
            batch.add(entry.toRecord(pricing));
        }
        send(List.copyOf(batch));
        queued.addAndGet(-entries.size());
        return true;
    }

    @Override
    long survived(Throwable unexpected) {
        Failures.survived("the ledger sink's forwarder", unexpected);
        return TimeUnit.MILLISECONDS.toNanos(100);
    }

    private void send(List<InvocationRecord> batch) {
        for (int attempt = 0; ; attempt++) {
            try {
                sink.write(batch);
                return;
            } catch (Throwable e) { // an Error from a sink is a failed attempt like any other
                if (attempt == RETRIES) {
                    log.error(
                            "faas: the ledger sink {} failed {} times; {} records are not sent to it (the ledger"
                                    + " and its journal keep them)",
                            sink,
                            RETRIES + 1,
                            batch.size(),
                            e);
                    return;
                }
                log.warn("faas: the ledger sink {} failed; trying again", sink, e);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100L << attempt));
            }
        }
    }
}
