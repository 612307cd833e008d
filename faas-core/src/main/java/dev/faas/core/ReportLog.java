package dev.faas.core;

import dev.faas.api.Outcome;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lambda's log lines, on the logger {@code dev.faas.invocations}: START and END at DEBUG, one REPORT
 * per invocation at INFO, fields separated by tabs. Nothing is formatted unless the level is on.
 */
final class ReportLog {

    static final String LOGGER = "dev.faas.invocations";
    private static final Logger log = LoggerFactory.getLogger(LOGGER);
    private static final long MB = 1L << 20;

    private final boolean enabled;

    ReportLog(boolean enabled) {
        this.enabled = enabled;
    }

    void start(Invocation invocation) {
        if (enabled && log.isDebugEnabled()) {
            log.debug("START RequestId: {} Version: {}", invocation.requestId(), invocation.functionVersion());
        }
    }

    void report(Invocation invocation) {
        if (!enabled || !log.isInfoEnabled()) {
            return;
        }
        if (log.isDebugEnabled()) {
            log.debug("END RequestId: {}", invocation.requestId());
        }
        StringBuilder line = new StringBuilder(160)
                .append("REPORT RequestId: ").append(invocation.requestId())
                .append("\tDuration: ");
        appendMillis(line, invocation.durationNanos());
        line.append(" ms\tBilled Duration: ").append(invocation.billedDurationMs())
                .append(" ms\tMemory Size: ").append(invocation.memoryLimitMb()).append(" MB");
        long allocated = invocation.allocatedBytes();
        if (allocated >= 0) {
            line.append("\tAllocated: ").append((allocated + MB - 1) / MB).append(" MB");
        }
        if (invocation.coldStart()) {
            line.append("\tInit Duration: ");
            appendMillis(line, invocation.initNanos());
            line.append(" ms");
        }
        if (invocation.outcome() != Outcome.SUCCESS) { // as Lambda's lines: "Status: timeout"
            line.append("\tStatus: ").append(invocation.outcome().name().toLowerCase(Locale.ROOT));
        }
        log.info(line.toString());
    }

    /** Milliseconds with two decimals, rounded half up, without String.format. */
    static void appendMillis(StringBuilder line, long nanos) {
        long hundredths = (nanos + 5_000) / 10_000;
        line.append(hundredths / 100).append('.');
        long fraction = hundredths % 100;
        if (fraction < 10) {
            line.append('0');
        }
        line.append(fraction);
    }
}
