package dev.faas.core;

import static dev.faas.core.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.ledger.InvocationRecord;
import dev.faas.api.ledger.LedgerSink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class SinkTest {

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    private final List<InvocationRecord> received = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    @Test
    void receivesEveryRecordInBatchesAndIsClosedWithTheRuntime() {
        AtomicInteger batches = new AtomicInteger();
        FaasRuntime runtime = fixture.start(b -> b.ledgerSink(new LedgerSink() {
            @Override
            public void write(List<InvocationRecord> batch) {
                batches.incrementAndGet();
                received.addAll(batch);
            }

            @Override
            public void close() {
                closed.set(true);
            }
        }));
        FunctionRef<Integer, Integer> echo = echo(runtime);
        for (int i = 0; i < 500; i++) {
            echo.invoke(i);
        }

        runtime.close();

        assertThat(received).isEqualTo(runtime.ledger().entries());
        assertThat(batches.get()).isBetween(1, 500);
        assertThat(closed).isTrue();
    }

    @Test
    void triesAFailedBatchAgain() {
        AtomicInteger attempts = new AtomicInteger();
        FaasRuntime runtime = fixture.start(b -> b.ledgerSink(batch -> {
            if (attempts.incrementAndGet() <= 2) {
                throw new IllegalStateException("database restarting");
            }
            received.addAll(batch);
        }));

        echo(runtime).invoke(1);

        eventually().untilAsserted(() -> assertThat(received).hasSize(1));
        assertThat(attempts).hasValue(3);
    }

    @Test
    void aSinkThatAlwaysFailsNeverFailsACall() {
        try (LogCapture log = LogCapture.of(FaasRuntime.class.getName(), Level.ERROR)) {
            FaasRuntime runtime = fixture.start(b -> b.ledgerSink(batch -> {
                throw new IllegalStateException("gone for good");
            }));

            assertThat(echo(runtime).invoke(7)).isEqualTo(7);

            eventually()
                    .untilAsserted(() -> assertThat(log.messages())
                            .singleElement()
                            .asString()
                            .contains("failed 4 times; 1 records are not sent to it"));
            assertThat(runtime.ledger().usage("echo").requests()).isEqualTo(1);
        }
    }

    private static FunctionRef<Integer, Integer> echo(FaasRuntime runtime) {
        return runtime.deploy(FunctionSpec.of("echo", Integer.class, Integer.class, () -> (input, context) -> input));
    }
}
