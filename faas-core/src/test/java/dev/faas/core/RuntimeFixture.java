package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Builds the runtimes a test uses and, after the test, checks the invariants every test must leave
 * behind (no concurrency slot still held, no orphaned thread), then closes them. A test that lets a
 * handler hang must release it before it ends.
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

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            for (FaasRuntime runtime : runtimes) {
                await("slots released and orphans ended in " + runtime).atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> {
                            RuntimeStatus status = runtime.status();
                            assertThat(status.concurrentExecutions()).as("concurrency slots still held").isZero();
                            assertThat(status.orphanedThreads()).as("orphaned threads").isZero();
                        });
            }
        } finally {
            runtimes.forEach(FaasRuntime::close);
            runtimes.clear();
        }
    }
}
