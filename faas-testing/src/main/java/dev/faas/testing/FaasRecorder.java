package dev.faas.testing;

import dev.faas.api.DestinationEvent;
import dev.faas.api.InvocationReport;
import dev.faas.core.InvocationListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Hears everything a runtime runs during a test: the report of every invocation (outputs and errors
 * included, which the ledger does not keep) and every destination event, in the order they happened.
 * Thread-safe; reports are recorded before their callers see the outcome.
 */
public final class FaasRecorder implements InvocationListener {

    private final List<InvocationReport> reports = new CopyOnWriteArrayList<>();
    private final List<DestinationEvent> destinationEvents = new CopyOnWriteArrayList<>();

    /** Creates an empty recorder; give it to a runtime with {@code FaasRuntime.builder().listener(...)}. */
    public FaasRecorder() {
    }

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
        return reports.stream().filter(report -> report.function().equals(function)).toList();
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
        return destinationEvents.stream().filter(event -> event.function().equals(function)).toList();
    }

    /** Forgets everything recorded so far. */
    public void clear() {
        reports.clear();
        destinationEvents.clear();
    }
}
