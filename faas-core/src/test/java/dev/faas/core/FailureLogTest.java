package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.FunctionTimeoutException;
import dev.faas.api.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A call that did not succeed leaves why in its function's log, once, as Lambda's do. */
final class FailureLogTest {

    private static final String LOGGER = "dev.faas.function.fails";

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    private static FunctionSpec<String, String> failing() {
        return FunctionSpec.of("fails", String.class, String.class, () -> (input, context) -> {
            throw new IllegalStateException("no stock for " + input);
        });
    }

    @Test
    void logsTheHandlersExceptionWithItsStackAndRequestId() {
        FunctionRef<String, String> ref = fixture.start().deploy(failing());

        try (LogCapture log = LogCapture.of(LOGGER, Level.INFO)) {
            String requestId = ref.invokeForReport("espresso").requestId();

            assertThat(log.events()).singleElement().satisfies(event -> {
                assertThat(event.getLevel()).isEqualTo(Level.ERROR);
                assertThat(event.getFormattedMessage())
                        .isEqualTo("Invoke Error: java.lang.IllegalStateException: no stock for espresso");
                assertThat(event.getThrowableProxy().getClassName()).isEqualTo(IllegalStateException.class.getName());
                assertThat(event.getThrowableProxy().getStackTraceElementProxyArray())
                        .isNotEmpty();
                assertThat(event.getMDCPropertyMap())
                        .containsEntry("requestId", requestId)
                        .containsEntry("function", "fails");
            });
        }
    }

    @Test
    void logsAHugeMessageBounded() {
        FunctionRef<String, String> ref = fixture.start()
                .deploy(FunctionSpec.of("fails", String.class, String.class, () -> (input, context) -> {
                    throw new IllegalStateException("x".repeat(1_000_000));
                }));

        try (LogCapture log = LogCapture.of(LOGGER, Level.INFO)) {
            ref.invokeForReport("x");

            assertThat(log.events()).singleElement().satisfies(event -> {
                assertThat(event.getFormattedMessage()).hasSizeLessThan(2_200);
                assertThat(event.getThrowableProxy().getMessage())
                        .hasSizeLessThan(2_200)
                        .startsWith("java.lang.IllegalStateException: xxx");
                assertThat(event.getThrowableProxy().getStackTraceElementProxyArray())
                        .isNotEmpty();
            });
        }
    }

    @Test
    void logsAFailedInit() {
        FunctionRef<String, String> ref = fixture.start()
                .deploy(FunctionSpec.of("fails", String.class, String.class, () -> {
                    throw new IllegalStateException("no model");
                }));

        try (LogCapture log = LogCapture.of(LOGGER, Level.INFO)) {
            ref.invokeForReport("x");

            assertThat(log.events())
                    .singleElement()
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .isEqualTo("Init Error: java.lang.IllegalStateException: no model");
        }
    }

    @Test
    void logsATimeoutAsLambdaDoes() {
        ManualClock clock = new ManualClock(Instant.parse("2026-06-01T08:00:00Z"));
        FaasRuntime runtime = fixture.start(builder -> builder.clock(clock));
        Gate gate = fixture.gate();
        FunctionRef<String, String> ref = runtime.deploy(FunctionSpec.of(
                        "fails", String.class, String.class, () -> (input, context) -> {
                            gate.pass();
                            return input;
                        })
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofMillis(150)).build()));

        try (LogCapture log = LogCapture.of(LOGGER, Level.INFO)) {
            CompletableFuture<String> call = ref.invokeAsync("x");
            runtime.awaitQuiescence(Duration.ofSeconds(5));
            clock.advance(Duration.ofMillis(150));

            assertThatThrownBy(call::join).hasCauseInstanceOf(FunctionTimeoutException.class);
            assertThat(log.messages()).containsExactly("Task timed out after 0.15 seconds");
        } finally {
            gate.open();
        }
    }

    @Test
    void successesLogNothing() {
        FunctionRef<String, String> ref = fixture.start()
                .deploy(FunctionSpec.of("fails", String.class, String.class, () -> (input, context) -> input));

        try (LogCapture log = LogCapture.of(LOGGER, Level.DEBUG)) {
            ref.invoke("x");

            assertThat(log.events()).isEmpty();
        }
    }

    @Test
    void canBeTurnedOff() {
        FunctionRef<String, String> ref =
                fixture.start(builder -> builder.failureLog(false)).deploy(failing());

        try (LogCapture log = LogCapture.of(LOGGER, Level.INFO)) {
            ref.invokeForReport("x");

            assertThat(log.events()).isEmpty();
        }
    }
}
