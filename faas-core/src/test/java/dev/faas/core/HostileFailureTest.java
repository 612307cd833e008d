package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.DestinationEvent;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionFailedException;
import dev.faas.api.FunctionInitException;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvocationReport;
import dev.faas.api.ManualClock;
import dev.faas.api.Outcome;
import java.io.Serial;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** User code's throwables are user code too: their getMessage() and toString() may throw. */
final class HostileFailureTest {

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    /** An exception that cannot be described. */
    static final class Unprintable extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        @Override
        public String getMessage() {
            throw new IllegalStateException("getMessage is broken");
        }

        @Override
        public String toString() {
            throw new IllegalStateException("toString is broken");
        }
    }

    private static FunctionSpec<String, String> throwing(String name) {
        return FunctionSpec.of(name, String.class, String.class, () -> (input, context) -> {
            throw new Unprintable();
        });
    }

    @Test
    void invokeThrowsTheFunctionsFailureWithTheCauseNamed() {
        FunctionRef<String, String> ref = fixture.start().deploy(throwing("hostile"));

        assertThatThrownBy(() -> ref.invoke("x"))
                .isInstanceOf(FunctionFailedException.class)
                .hasCauseInstanceOf(Unprintable.class)
                .hasMessageContaining(Unprintable.class.getName() + ": (its getMessage() threw "
                        + IllegalStateException.class.getName() + ")");
    }

    @Test
    void asynchronousCallsComplete() throws Exception {
        FunctionRef<String, String> ref = fixture.start().deploy(throwing("hostile"));

        CompletableFuture<String> output = ref.invokeAsync("x");
        CompletableFuture<InvocationReport> report = ref.invokeForReportAsync("x");

        assertThatThrownBy(() -> output.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(FunctionFailedException.class);
        assertThat(report.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.ERROR);
        assertThat(ref.invokeForReport("x").error()).get().isInstanceOf(FunctionFailedException.class);
    }

    @Test
    void aFactoryThatThrowsOneIsAnInitError() {
        FunctionRef<String, String> ref = fixture.start()
                .deploy(FunctionSpec.of("hostile-init", String.class, String.class, () -> {
                    throw new Unprintable();
                }));

        assertThatThrownBy(() -> ref.invoke("x"))
                .isInstanceOf(FunctionInitException.class)
                .hasMessageContaining("(its getMessage() threw");
    }

    @Test
    void eventsAreRetriedAndDeadLetteredWithANoteForTheMessage() {
        ManualClock clock = new ManualClock(Instant.parse("2026-06-01T08:00:00Z"));
        FaasRuntime runtime = fixture.start(builder -> builder.clock(clock));
        FunctionRef<String, String> ref = runtime.deploy(throwing("hostile")
                .withConfig(FunctionConfig.builder()
                        .retryDelay(Duration.ofSeconds(1))
                        .build()));

        ref.invokeEvent("x");
        clock.advance(Duration.ofSeconds(3));

        assertThat(runtime.ledger().entries()).hasSize(3);
        assertThat(runtime.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.condition()).isEqualTo(DestinationEvent.Condition.RETRIES_EXHAUSTED);
            assertThat(letter.errorType()).contains(Unprintable.class.getName());
            assertThat(letter.errorMessage())
                    .contains("(its getMessage() threw " + IllegalStateException.class.getName() + ")");
        });
    }

    @Test
    void nestedFailuresKeepTheirMessagesBounded() {
        FaasRuntime runtime = fixture.start();
        FunctionRef<Integer, String> nest =
                runtime.deploy(FunctionSpec.of("nest", Integer.class, String.class, () -> (depth, context) -> {
                    if (depth == 0) {
                        throw new IllegalArgumentException("x".repeat(10_000));
                    }
                    return runtime.function("nest", Integer.class, String.class).invoke(depth - 1);
                }));

        assertThatThrownBy(() -> nest.invoke(50))
                .isInstanceOf(FunctionFailedException.class)
                .satisfies(failure -> assertThat(failure.getMessage()).hasSizeLessThan(2_200));
    }
}
