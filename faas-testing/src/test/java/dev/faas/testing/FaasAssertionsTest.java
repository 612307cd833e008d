package dev.faas.testing;

import static dev.faas.testing.FaasAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvocationReport;
import dev.faas.api.ManualClock;
import dev.faas.api.Outcome;
import dev.faas.api.ledger.Pricing;
import dev.faas.core.FaasRuntime;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each assertion passes where it should, and fails, with a message that says why, where it should. */
@FaasTest(allowDeadLetters = true)
final class FaasAssertionsTest {

    FaasRuntime runtime;
    ManualClock clock;
    private FunctionRef<Integer, Integer> half;
    private InvocationReport cold;
    private InvocationReport warm;
    private InvocationReport failed;

    @BeforeEach
    void threeCalls() {
        half = runtime.deploy(FunctionSpec.of("half", Integer.class, Integer.class, () -> (input, context) -> {
                    if (input % 2 != 0) {
                        throw new IllegalArgumentException("odd: " + input);
                    }
                    return input / 2;
                })
                .withConfig(FunctionConfig.builder()
                        .memoryMb(1024)
                        .maxRetryAttempts(0)
                        .build()));
        cold = half.invokeForReport(4);
        warm = half.invokeForReport(8);
        failed = half.invokeForReport(3);
    }

    @Test
    void invocationCountsAndOutcomes() {
        assertThat(runtime)
                .function("half")
                .invocations()
                .hasSize(3)
                .hasOutcomes(Outcome.SUCCESS, Outcome.SUCCESS, Outcome.ERROR)
                .hasColdStarts(1)
                .hasAttempts(1, 1, 1);

        assertThatThrownBy(
                        () -> assertThat(runtime).function("half").invocations().hasSize(2))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("invocations of 'half'");
        assertThatThrownBy(
                        () -> assertThat(runtime).function("half").invocations().hasOutcomes(Outcome.SUCCESS))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected outcomes [SUCCESS], but were " + "[SUCCESS, SUCCESS, ERROR]");
        assertThatThrownBy(
                        () -> assertThat(runtime).function("half").invocations().hasColdStarts(2))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected 2 cold starts among 3 invocations," + " but there were 1");
        assertThatThrownBy(
                        () -> assertThat(runtime).function("half").invocations().hasAttempts(1, 2, 3))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected attempts [1, 2, 3], but were [1, 1, 1]");
    }

    @Test
    void allSucceeded() {
        assertThat(runtime)
                .function("half")
                .invocations()
                .filteredOn(record -> record.outcome() == Outcome.SUCCESS)
                .allSucceeded();

        assertThatThrownBy(
                        () -> assertThat(runtime).function("half").invocations().allSucceeded())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected all 3 invocations to succeed, but 1 did not")
                .hasMessageContaining(failed.requestId() + " ERROR java.lang.IllegalArgumentException");
    }

    @Test
    void billing() {
        // 1 GB for 1 ms each, on a manual clock: 3 requests, 3 billed ms, 0.003 GB-s
        assertThat(runtime).function("half").invocations().billedDurationMs().isEqualTo(3);
        assertThat(runtime)
                .function("half")
                .invocations()
                .billedCost()
                .isEqualByComparingTo(Pricing.LAMBDA_X86_64.totalCost(3, 3 * 1024));

        assertThatThrownBy(() -> assertThat(runtime)
                        .function("half")
                        .invocations()
                        .billedCost()
                        .isEqualByComparingTo("0.01"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("billed cost");
        assertThatThrownBy(() -> assertThat(runtime)
                        .function("half")
                        .invocations()
                        .billedDurationMs()
                        .isEqualTo(4))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("billed duration");
    }

    @Test
    void deadLettersAndThreads() {
        half.invokeEvent(5);
        runtime.awaitQuiescence(Duration.ofSeconds(5));

        assertThat(runtime)
                .hasDeadLetters(1)
                .hasNoOrphanedThreads()
                .function("half")
                .deadLetters()
                .hasSize(1);

        assertThatThrownBy(() -> assertThat(runtime).hasNoDeadLetters())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected no dead letters, but found 1");
        assertThatThrownBy(() -> assertThat(runtime).hasDeadLetters(0))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected 0 dead letters, but found 1");
    }

    @Test
    @FaasTest(allowOrphans = true, allowDeadLetters = true)
    void orphanedThreads() {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        FunctionRef<String, String> stubborn = runtime.deploy(FunctionSpec.of(
                        "stubborn", String.class, String.class, () -> (input, context) -> {
                            running.countDown();
                            awaitIgnoringInterrupts(release); // runs on past its deadline
                            return input;
                        })
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofSeconds(1)).build()));
        var call = stubborn.invokeAsync("x");
        awaitIgnoringInterrupts(running);
        clock.advance(Duration.ofSeconds(1));
        assertThat(call).isCompletedExceptionally();

        assertThatThrownBy(() -> assertThat(runtime).hasNoOrphanedThreads())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected no orphaned threads, but found 1");

        release.countDown();
        runtime.awaitQuiescence(Duration.ofSeconds(5));
        assertThat(runtime).hasNoOrphanedThreads();
    }

    private static void awaitIgnoringInterrupts(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void deployment() {
        assertThat(runtime).function("half").isDeployed();
        assertThat(runtime).function("other").isNotDeployed();

        assertThatThrownBy(() -> assertThat(runtime).function("other").isDeployed())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected function 'other' to be deployed");
        assertThatThrownBy(() -> assertThat(runtime).function("half").isNotDeployed())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected function 'half' not to be deployed");
    }

    @Test
    void reports() {
        assertThat(cold).succeeded().wasColdStart().hasOutput(2);
        assertThat(warm).succeeded().wasWarm().hasOutput(4);
        assertThat(failed).hasOutcome(Outcome.ERROR).failedWith(IllegalArgumentException.class);

        assertThatThrownBy(() -> assertThat(failed).hasOutcome(Outcome.TIMEOUT))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("to end TIMEOUT, but it ended ERROR");

        assertThatThrownBy(() -> assertThat(failed).succeeded())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("to end SUCCESS, but it ended ERROR");
        assertThatThrownBy(() -> assertThat(cold).wasWarm())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("to be warm, but it was a cold start");
        assertThatThrownBy(() -> assertThat(warm).wasColdStart())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("to be a cold start, but it was warm");
        assertThatThrownBy(() -> assertThat(cold).hasOutput(3))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("to return <3>, but it returned <2>");
        assertThatThrownBy(() -> assertThat(cold).failedWith(IllegalStateException.class))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("but it succeeded");
        assertThatThrownBy(() -> assertThat(failed).failedWith(IllegalStateException.class))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("but it failed with");
    }
}
