package dev.faas.testing;

import dev.faas.api.DestinationEvent;
import dev.faas.api.InvocationListener;
import dev.faas.api.InvocationReport;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Hears everything a runtime runs during a test: the report of every invocation (outputs and errors
 * included, which the ledger does not keep) and every destination event, in the order they happened.
 * Thread-safe; reports are recorded before their callers see the outcome.
 */
public final class FaasRecorder implements InvocationListener {

    private static final int MAX_LINES = 50;

    private final List<InvocationReport> reports = new CopyOnWriteArrayList<>();
    private final List<DestinationEvent> destinationEvents = new CopyOnWriteArrayList<>();

    /** Creates an empty recorder; give it to a runtime with {@code FaasRuntime.builder().listener(...)}. */
    public FaasRecorder() {}

    @Override
    public void onInvocation(InvocationReport report) {
        reports.add(report);
    }

    @Override
    public void onDestinationEvent(DestinationEvent event) {
        destinationEvents.add(event);
    }

    /** Every invocation's report so far, oldest first. */
    public List<InvocationReport> reports() {
        return List.copyOf(reports);
    }

    /**
     * One function's invocations so far, oldest first.
     *
     * @param function the function's name
     * @return its reports
     */
    public List<InvocationReport> reports(String function) {
        return reports.stream()
                .filter(report -> report.function().equals(function))
                .toList();
    }

    /** Every destination event so far (to destinations, dead letters, or left at close), oldest first. */
    public List<DestinationEvent> destinationEvents() {
        return List.copyOf(destinationEvents);
    }

    /**
     * The destination events made for one function's EVENT invocations.
     *
     * @param function the name of the function the events were for
     * @return its destination events
     */
    public List<DestinationEvent> destinationEvents(String function) {
        return destinationEvents.stream()
                .filter(event -> event.function().equals(function))
                .toList();
    }

    /**
     * What was recorded, for a failing assertion's message: a count, then one line per invocation
     * (function, type, outcome, attempt, cold or warm, duration, request id, and the error's class
     * and message) and per destination event (function, condition, attempts, request id), oldest
     * first; at most the newest {@value #MAX_LINES} lines of each.
     */
    @Override
    public String toString() {
        List<InvocationReport> seen = reports();
        List<DestinationEvent> events = destinationEvents();
        StringBuilder text = new StringBuilder("FaasRecorder[")
                .append(seen.size())
                .append(" invocations, ")
                .append(events.size())
                .append(" destination events]");
        appendNewest(
                text,
                seen,
                report -> report.function() + " " + report.type() + " " + report.outcome()
                        + " attempt " + report.attempt() + (report.coldStart() ? " cold " : " warm ")
                        + millis(report.duration()) + " ms " + report.requestId()
                        + report.error()
                                .map(error -> " " + describe(error.getCause() != null ? error.getCause() : error))
                                .orElse(""));
        appendNewest(
                text,
                events,
                event -> "destination event: " + event.function() + " " + event.condition()
                        + " after " + event.attempts() + " attempts " + event.requestId()
                        + event.errorType()
                                .map(type -> " " + type
                                        + event.errorMessage()
                                                .map(m -> ": " + m)
                                                .orElse(""))
                                .orElse(""));
        return text.toString();
    }

    private static <T> void appendNewest(StringBuilder text, List<T> items, Function<T, String> line) {
        int skipped = Math.max(0, items.size() - MAX_LINES);
        if (skipped > 0) {
            text.append("\n  ... ").append(skipped).append(" earlier");
        }
        for (T item : items.subList(skipped, items.size())) {
            text.append("\n  ").append(line.apply(item));
        }
    }

    private static String millis(Duration duration) {
        return BigDecimal.valueOf(duration.toNanos(), 6)
                .setScale(2, RoundingMode.HALF_UP)
                .toPlainString();
    }

    /** A user's throwable, described without trusting its methods, at most 500 characters. */
    private static String describe(Throwable error) {
        String text;
        try {
            text = String.valueOf(error.toString());
        } catch (Throwable broken) {
            text = error.getClass().getName();
        }
        return text.length() <= 500 ? text : text.substring(0, 500) + "...";
    }

    /** Forgets everything recorded so far. */
    public void clear() {
        reports.clear();
        destinationEvents.clear();
    }
}
