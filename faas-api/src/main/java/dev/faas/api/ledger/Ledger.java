package dev.faas.api.ledger;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * The billing ledger: one {@link InvocationRecord} per invocation that ran, usage sums that stay
 * exact forever, and exports of the retained records.
 */
public interface Ledger {

    /** A snapshot of the retained records, oldest first; the newest N are retained (default 100,000). */
    List<InvocationRecord> entries();

    /** Usage of every function, ever (including what a journal recovered). */
    Usage usage();

    /**
     * Usage of one function, ever.
     *
     * @param function the function's name
     * @return its usage; zero for an unknown or undeployed function
     */
    Usage usage(String function);

    /**
     * Usage of one function by invocation start in {@code [from, to)}: exact for retained records,
     * and for whole-minute windows beyond retention.
     *
     * @param function the function's name
     * @param from the first instant included
     * @param to the first instant excluded
     * @return the usage in the window
     */
    Usage usage(String function, Instant from, Instant to);

    /**
     * Writes the retained records as CSV (RFC 4180, CRLF line ends): one header line of the
     * {@link InvocationRecord} component names in order, then one line per record.
     *
     * @param out where to write
     * @throws IOException if writing fails
     */
    void exportCsv(Appendable out) throws IOException;

    /**
     * Writes the retained records as JSON lines: one object per record, keys the
     * {@link InvocationRecord} component names.
     *
     * @param out where to write
     * @throws IOException if writing fails
     */
    void exportJsonLines(Appendable out) throws IOException;
}
