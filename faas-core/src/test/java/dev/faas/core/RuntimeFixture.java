package dev.faas.core;

import static dev.faas.core.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Builds the runtimes a test uses and, after the test, checks the invariants every test must leave
 * behind: no concurrency slot still held (in any function, deployed or not, nor in the shared
 * pool), no orphaned thread; then closes them and checks that no work is left in flight. A test
 * that lets a handler hang must release it before it ends.
 */
final class RuntimeFixture implements AfterEachCallback {

    private final List<FaasRuntime> runtimes = new ArrayList<>();

    FaasRuntime start() {
        return start(UnaryOperator.identity());
    }

    FaasRuntime start(UnaryOperator<FaasRuntime.Builder> options) {
        FaasRuntime runtime = options.apply(FaasRuntime.builder().drainTimeout(Duration.ofSeconds(5))).build();
        runtimes.add(runtime);
        return runtime;
    }

    /** The runtime started last. */
    FaasRuntime lastRuntime() {
        return runtimes.getLast();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            for (FaasRuntime runtime : runtimes) {
                eventually().alias("slots released and orphans ended in " + runtime).untilAsserted(() -> {
                    RuntimeStatus status = runtime.status();
                    assertThat(status.concurrentExecutions()).as("concurrency slots still held").isZero();
                    assertThat(runtime.engine().sharedPool.inUse()).as("shared pool slots still held").isZero();
                    assertThat(status.orphanedThreads()).as("orphaned threads").isZero();
                });
            }
        } finally {
            runtimes.forEach(FaasRuntime::close);
        }
        for (FaasRuntime runtime : runtimes) {
            eventually().alias("work left in flight after close").untilAsserted(
                    () -> assertThat(runtime.engine().work.inFlight()).isZero());
        }
        runtimes.clear();
    }
}
