package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvocationReport;
import dev.faas.api.ManualClock;
import dev.faas.core.internal.observe.ReportLog;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class ReportLogTest {

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    private final Gate gate = fixture.gate();

    private final ManualClock clock = new ManualClock(Instant.EPOCH);

    @Test
    void logsLambdasReportLine() throws InterruptedException {
        FaasRuntime runtime = fixture.start(b -> b.clock(clock));
        FunctionRef<String, String> work = runtime.deploy(FunctionSpec.of("work", String.class, String.class, () -> {
                    return (input, context) -> {
                        gate.pass();
                        return input;
                    };
                })
                .withConfig(FunctionConfig.builder().memoryMb(256).build()));

        try (LogCapture log = LogCapture.of(ReportLog.LOGGER, Level.INFO)) {
            CompletableFuture<InvocationReport> call =
                    CompletableFuture.supplyAsync(() -> work.invokeForReport("x"), Thread::startVirtualThread);
            gate.awaitArrivals(1);
            clock.advance(Duration.ofNanos(12_344_999));
            gate.open();
            InvocationReport report = call.join();

            assertThat(log.messages())
                    .containsExactly(
                            "REPORT RequestId: " + report.requestId()
                                    + "\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tInit Duration: 0.00 ms");
            assertThat(log.events().getFirst().getMDCPropertyMap())
                    .containsEntry("requestId", report.requestId())
                    .containsEntry("function", "work");
        }
    }

    @Test
    void leavesOutTheInitDurationOfAWarmCallAndNamesAFailure() {
        FaasRuntime runtime = fixture.start(b -> b.clock(clock));
        FunctionRef<String, String> flaky =
                runtime.deploy(FunctionSpec.of("flaky", String.class, String.class, () -> (input, context) -> {
                    if (input.equals("fail")) {
                        throw new IllegalStateException("flaky");
                    }
                    return input;
                }));
        flaky.invoke("cold");

        try (LogCapture log = LogCapture.of(ReportLog.LOGGER, Level.INFO)) {
            flaky.invoke("warm");
            flaky.invokeForReport("fail");

            List<String> lines = log.messages();
            assertThat(lines).hasSize(2);
            assertThat(lines.get(0))
                    .doesNotContain("Init Duration")
                    .doesNotContain("Status")
                    .endsWith("\tDuration: 0.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB");
            assertThat(lines.get(1)).endsWith("\tStatus: error");
        }
    }

    @Test
    void logsStartAndEndAtDebug() {
        FaasRuntime runtime = fixture.start();
        FunctionRef<String, String> echo =
                runtime.deploy(FunctionSpec.of("echo", String.class, String.class, () -> (input, context) -> input));

        try (LogCapture log = LogCapture.of(ReportLog.LOGGER, Level.DEBUG)) {
            String requestId = echo.invokeForReport("x").requestId();

            assertThat(log.messages()).hasSize(3);
            assertThat(log.messages().get(0)).isEqualTo("START RequestId: " + requestId + " Version: $LATEST");
            assertThat(log.messages().get(1)).isEqualTo("END RequestId: " + requestId);
            assertThat(log.messages().get(2)).startsWith("REPORT RequestId: " + requestId + "\t");
        }
    }

    @Test
    void logsNothingWhenTurnedOff() {
        FaasRuntime runtime = fixture.start(b -> b.reportLog(false));
        FunctionRef<String, String> echo =
                runtime.deploy(FunctionSpec.of("echo", String.class, String.class, () -> (input, context) -> input));

        try (LogCapture log = LogCapture.of(ReportLog.LOGGER, Level.DEBUG)) {
            echo.invoke("x");

            assertThat(log.events()).isEmpty();
        }
    }

    @Test
    void handlersLogWithTheRequestInTheirMdc() {
        FaasRuntime runtime = fixture.start();
        FunctionRef<String, String> chatty =
                runtime.deploy(FunctionSpec.of("chatty", String.class, String.class, () -> (input, context) -> {
                    context.logger().info("handling {}", input);
                    return context.requestId();
                }));

        try (LogCapture log = LogCapture.of("dev.faas.function.chatty", Level.INFO)) {
            String requestId = chatty.invoke("x");

            ILoggingEvent line = log.events().getFirst();
            assertThat(line.getFormattedMessage()).isEqualTo("handling x");
            assertThat(line.getMDCPropertyMap())
                    .containsEntry("requestId", requestId)
                    .containsEntry("function", "chatty");
        }
    }

    @Test
    void formatsMillisecondsWithTwoDecimals() {
        assertThat(millis(0)).isEqualTo("0.00");
        assertThat(millis(4_999)).isEqualTo("0.00");
        assertThat(millis(5_000)).isEqualTo("0.01");
        assertThat(millis(1_000_000)).isEqualTo("1.00");
        assertThat(millis(95_123_456)).isEqualTo("95.12");
        assertThat(millis(3_000_000_000L)).isEqualTo("3000.00");
    }

    private static String millis(long nanos) {
        StringBuilder line = new StringBuilder();
        ReportLog.appendMillis(line, nanos);
        return line.toString();
    }
}
