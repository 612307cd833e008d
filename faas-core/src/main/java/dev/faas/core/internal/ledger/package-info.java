/**
 * The billing ledger: exact usage per function, the retained ring of entries, the append-only
 * journal with its codec and recovery, the sink forwarder and the CSV and JSON-lines export. Sees
 * a call only as a {@link dev.faas.core.internal.ledger.CallRecord}.
 */
package dev.faas.core.internal.ledger;
