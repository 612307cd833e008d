package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.faas.api.DestinationEvent;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvocationListener;
import dev.faas.api.InvocationReport;
import dev.faas.api.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

final class ListenerTest {

    /** A listener that hears invocations only. */
    private static InvocationListener onInvocation(Consumer<InvocationReport> hears) {
        return new InvocationListener() {
            @Override
            public void onInvocation(InvocationReport report) {
                hears.accept(report);
            }
        };
    }

    /** A listener that hears destination events only. */
    private static InvocationListener onDestinationEvent(Consumer<DestinationEvent> hears) {
        return new InvocationListener() {
            @Override
            public void onDestinationEvent(DestinationEvent event) {
                hears.accept(event);
            }
        };
    }

    @Test
    void aListenerThatThrowsSkipsNoOtherListenerAndNotTheCall() {
        List<InvocationReport> heard = new CopyOnWriteArrayList<>();
        try (FaasRuntime runtime = FaasRuntime.builder()
                .reportLog(false)
                .listener(onInvocation(report -> {
                    throw new AssertionError("a test's listener that fails"); // an Error, not a RuntimeException
                }))
                .listener(onInvocation(report -> {
                    throw new IllegalStateException("and one that throws");
                }))
                .listener(onInvocation(heard::add))
                .build()) {
            FunctionRef<String, String> echo = runtime.deploy(
                    FunctionSpec.of("echo", String.class, String.class, () -> (input, context) -> input));

            try (LogCapture log = LogCapture.of(FaasRuntime.class.getName(), Level.WARN)) {
                assertThat(echo.invoke("a")).isEqualTo("a");
                assertThat(echo.invokeForReport("b").outcome()).isEqualTo(Outcome.SUCCESS);
                assertThat(heard).hasSize(2);
                assertThat(log.messages())
                        .filteredOn(line -> line.startsWith("faas: a listener failed on"))
                        .hasSize(4); // two listeners, two calls: each failure said, none silent
            }
        }
    }

    @Test
    void aListenerThatThrowsOnADestinationEventSkipsNoOtherListener() {
        List<DestinationEvent> heard = new CopyOnWriteArrayList<>();
        try (FaasRuntime runtime = FaasRuntime.builder()
                .reportLog(false)
                .listener(onDestinationEvent(event -> {
                    throw new AssertionError("a test's listener that fails");
                }))
                .listener(onDestinationEvent(heard::add))
                .build()) {
            FunctionRef<String, String> failing = runtime.deploy(FunctionSpec.of(
                            "failing", String.class, String.class, () -> (input, context) -> {
                                throw new IllegalStateException("always");
                            })
                    .withConfig(FunctionConfig.builder().maxRetryAttempts(0).build()));

            failing.invokeEvent("x");
            runtime.awaitQuiescence(Duration.ofSeconds(10));

            assertThat(heard).hasSize(1); // its dead letter, heard though the first listener threw
            assertThat(runtime.deadLetters()).hasSize(1);
        }
    }
}
