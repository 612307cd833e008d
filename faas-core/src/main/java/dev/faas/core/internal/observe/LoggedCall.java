package dev.faas.core.internal.observe;

import dev.faas.api.FaasException;
import dev.faas.core.internal.ledger.CallRecord;
import org.slf4j.Logger;

/** A settled call as its log lines see it: the ledger's values and what went wrong, if anything. */
public interface LoggedCall extends CallRecord {

    String requestId();

    String functionVersion();

    int memoryLimitMb();

    /** The function's own logger, {@code dev.faas.function.<name>}. */
    Logger logger();

    long timeoutNanos();

    /** What the handler or factory threw, or the runtime's exception for a memory stop or a shutdown; null otherwise. */
    Throwable error();

    /** What the caller is told went wrong, or null on success. */
    FaasException failure();
}
