package dev.faas.api.ledger;

import java.util.List;

/**
 * Sends ledger records elsewhere (a database, a topic). The runtime calls it with batches, off the
 * invocation threads; a sink that throws is logged and counted, and never fails an invocation.
 */
@FunctionalInterface
@SuppressWarnings("try") // close() throws Exception by contract: a sink's resources are the host's
public interface LedgerSink extends AutoCloseable {

    /**
     * Writes a batch of records, oldest first.
     *
     * @param batch the records
     * @throws Exception if the batch could not be written
     */
    void write(List<InvocationRecord> batch) throws Exception;

    /** Releases the sink's resources; called once when the runtime closes. */
    @Override
    default void close() throws Exception {}
}
