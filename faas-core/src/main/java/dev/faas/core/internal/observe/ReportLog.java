package dev.faas.core.internal.observe;

import dev.faas.api.Outcome;
import dev.faas.api.RuntimeClosedException;
import dev.faas.core.internal.util.Failures;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lambda's log lines: on the logger {@code dev.faas.invocations}, START and END at DEBUG and one
 * REPORT per invocation at INFO, fields separated by tabs; and on the function's own logger
 * ({@code dev.faas.function.<name>}), what went wrong with a call that did not succeed, as Lambda
 * writes an uncaught exception or a timeout to the function's log. Nothing is formatted unless the
 * level is on, and nothing here throws, whatever the user's throwable does.
 */
public final class ReportLog {

    public static final String LOGGER = "dev.faas.invocations";
    private static final Logger log = LoggerFactory.getLogger(LOGGER);
    private static final long MB = 1L << 20;

    private final boolean enabled;
    private final boolean failures;

    public ReportLog(boolean enabled, boolean failures) {
        this.enabled = enabled;
        this.failures = failures;
    }

    /**
     * Logs why a call did not succeed, once, on the function's logger, with the request id in the
     * MDC (the caller's thread has it set): the handler's or factory's throwable with its stack at
     * ERROR, a timeout or a memory stop at ERROR without one (the runtime's stack says nothing), a
     * call stopped by the runtime's close at WARN.
     */
    public void failure(LoggedCall call) {
        Outcome outcome = call.outcome();
        if (!failures || outcome == Outcome.SUCCESS) { // every successful call ends here, with two reads
            return;
        }
        Logger function = call.logger();
        if (!function.isWarnEnabled()) {
            return;
        }
        Throwable error = call.error();
        switch (outcome) {
            case TIMEOUT -> {
                StringBuilder line = new StringBuilder("Task timed out after ");
                appendSeconds(line, call.timeoutNanos());
                function.error(line.append(" seconds").toString());
            }
            case MEMORY_LIMIT -> function.error("Memory limit: {}", Failures.message(error));
            case INIT_ERROR -> {
                if (error == null) {
                    function.error("Init Error: {}", call.failure().getMessage());
                } else {
                    logThrowable(function, "Init Error: ", error);
                }
            }
            case ERROR -> {
                if (error instanceof RuntimeClosedException) {
                    function.warn("Invoke stopped: the runtime closed before the call ended");
                } else {
                    logThrowable(function, "Invoke Error: ", error);
                }
            }
            case SUCCESS -> {}
        }
    }

    /** The throwable with its stack; if the backend cannot print it (its methods throw), its text alone. */
    private static void logThrowable(Logger function, String prefix, Throwable error) {
        if (!function.isErrorEnabled()) {
            return;
        }
        String text = prefix + Failures.describe(error);
        try {
            function.error(text, Failures.printable(error));
        } catch (Throwable unprintable) {
            function.error(
                    "{} (its stack trace could not be printed: {})",
                    text,
                    unprintable.getClass().getName());
        }
    }

    public void start(LoggedCall call) {
        if (enabled && log.isDebugEnabled()) {
            log.debug("START RequestId: {} Version: {}", call.requestId(), call.functionVersion());
        }
    }

    public void report(LoggedCall call) {
        if (!enabled || !log.isInfoEnabled()) {
            return;
        }
        if (log.isDebugEnabled()) {
            log.debug("END RequestId: {}", call.requestId());
        }
        StringBuilder line = new StringBuilder(160)
                .append("REPORT RequestId: ")
                .append(call.requestId())
                .append("\tDuration: ");
        appendMillis(line, call.durationNanos());
        line.append(" ms\tBilled Duration: ")
                .append(call.billedDurationMs())
                .append(" ms\tMemory Size: ")
                .append(call.memoryLimitMb())
                .append(" MB");
        long allocated = call.allocatedBytes();
        if (allocated >= 0) {
            line.append("\tAllocated: ").append((allocated + MB - 1) / MB).append(" MB");
        }
        if (call.coldStart()) {
            line.append("\tInit Duration: ");
            appendMillis(line, call.initNanos());
            line.append(" ms");
        }
        if (call.outcome() != Outcome.SUCCESS) { // as Lambda's lines: "Status: timeout"
            line.append("\tStatus: ").append(call.outcome().name().toLowerCase(Locale.ROOT));
        }
        log.info(line.toString());
    }

    /** Seconds with two decimals, as Lambda's "Task timed out after 3.00 seconds". */
    static void appendSeconds(StringBuilder line, long nanos) {
        appendHundredths(line, (nanos + 5_000_000) / 10_000_000);
    }

    /** Milliseconds with two decimals, rounded half up, without String.format. */
    public static void appendMillis(StringBuilder line, long nanos) {
        appendHundredths(line, (nanos + 5_000) / 10_000);
    }

    private static void appendHundredths(StringBuilder line, long hundredths) {
        line.append(hundredths / 100).append('.');
        long fraction = hundredths % 100;
        if (fraction < 10) {
            line.append('0');
        }
        line.append(fraction);
    }
}
