package dev.faas.core;

import dev.faas.api.InvocationListener;
import dev.faas.api.InvocationReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Builds the runtimes a test uses and, after the test, checks the invariants every test must leave
 * behind ({@link RuntimeInvariants}, as {@code @FaasTest} does): no concurrency slot still held (in
 * any function, deployed or not, nor in the shared pool), no orphaned thread; then closes them and
 * checks that no work is left in flight and that the ledger recorded one call per report. Gates it
 * made are opened first, so that a failed assertion leaves no handler waiting at one.
 */
final class RuntimeFixture implements AfterEachCallback {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private final List<FaasRuntime> runtimes = new ArrayList<>();
    /** The reports each runtime's listener heard, by the runtime's index. */
    private final List<LongAdder> reports = new ArrayList<>();

    private final List<Gate> gates = new ArrayList<>();

    FaasRuntime start() {
        return start(UnaryOperator.identity());
    }

    FaasRuntime start(UnaryOperator<FaasRuntime.Builder> options) {
        LongAdder heard = new LongAdder();
        InvocationListener counter = new InvocationListener() {
            @Override
            public void onInvocation(InvocationReport report) {
                heard.increment();
            }
        };
        FaasRuntime runtime = options.apply(FaasRuntime.builder()
                        .drainTimeout(Duration.ofSeconds(5))
                        .listener(counter))
                .build();
        runtimes.add(runtime);
        reports.add(heard);
        return runtime;
    }

    /** A gate for handlers to wait at, opened after the test whatever happened in it. */
    Gate gate() {
        Gate gate = new Gate();
        gates.add(gate);
        return gate;
    }

    /** The runtime started last. */
    FaasRuntime lastRuntime() {
        return runtimes.getLast();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        gates.forEach(Gate::open); // a test that failed with handlers at a gate lets them end
        gates.clear();
        try {
            for (FaasRuntime runtime : runtimes) {
                RuntimeInvariants.checkIdle(runtime, PATIENCE, false);
            }
        } finally {
            runtimes.forEach(FaasRuntime::close);
        }
        for (int i = 0; i < runtimes.size(); i++) {
            RuntimeInvariants.checkClosed(
                    runtimes.get(i), PATIENCE, reports.get(i).sum(), false);
        }
        runtimes.clear();
        reports.clear();
    }
}
