package dev.faas.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.finishedSuccessfully;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.ManualClock;
import dev.faas.core.FaasRuntime;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/** Runs small test classes through JUnit to prove the extension fails the tests it should. */
final class ExtensionChecksTest {

    /** Never counted down: a handler that waits on it is an orphan once its deadline passes. */
    static final CountDownLatch NEVER = new CountDownLatch(1);

    @Test
    void failsATestThatLeavesAnOrphanedThread() {
        Events events = run(LeavesAnOrphan.class);

        events.assertThatEvents()
                .haveExactly(
                        1,
                        finishedWithFailure(message(text -> text.contains("the test left 1 orphaned thread(s)")
                                && text.contains("allowOrphans = true"))));
    }

    @Test
    void letsATestLeaveOrphansWhenAllowed() {
        run(AllowedToLeaveAnOrphan.class).assertThatEvents().haveExactly(1, finishedSuccessfully());
    }

    @Test
    void failsATestThatLeavesDeadLetters() {
        Events events = run(LeavesADeadLetter.class);

        events.assertThatEvents()
                .haveExactly(
                        1,
                        finishedWithFailure(message(
                                text -> text.contains("the test left 1 dead letter(s): [RETRIES_EXHAUSTED broken")
                                        && text.contains("allowDeadLetters = true"))));
    }

    @Test
    void letsATestLeaveDeadLettersWhenAllowed() {
        run(AllowedToLeaveADeadLetter.class).assertThatEvents().haveExactly(1, finishedSuccessfully());
    }

    private static Events run(Class<?> testClass) {
        return EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(testClass))
                .execute()
                .testEvents();
    }

    static void leaveAnOrphan(FaasRuntime runtime, ManualClock clock) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        FunctionRef<String, String> stuck = runtime.deploy(FunctionSpec.of(
                        "stuck", String.class, String.class, () -> (input, context) -> {
                            running.countDown();
                            while (true) {
                                try {
                                    NEVER.await();
                                } catch (InterruptedException ignored) {
                                    // ignores the interrupt at its deadline, so it runs on as an orphan
                                }
                            }
                        })
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofSeconds(1)).build()));
        CompletableFuture<String> call = stuck.invokeAsync("x");
        running.await();
        clock.advance(Duration.ofSeconds(1));
        assertThat(call).isCompletedExceptionally();
    }

    static void leaveADeadLetter(FaasRuntime runtime) {
        runtime.deploy(FunctionSpec.of("broken", String.class, String.class, () -> (input, context) -> {
                            throw new IllegalStateException("broken");
                        })
                        .withConfig(FunctionConfig.builder().maxRetryAttempts(0).build()))
                .invokeEvent("x");
        runtime.awaitQuiescence(Duration.ofSeconds(5));
    }

    @FaasTest
    static final class LeavesAnOrphan {
        @Test
        void test(FaasRuntime runtime, ManualClock clock) throws InterruptedException {
            leaveAnOrphan(runtime, clock);
        }
    }

    @FaasTest(allowOrphans = true)
    static final class AllowedToLeaveAnOrphan {
        @Test
        void test(FaasRuntime runtime, ManualClock clock) throws InterruptedException {
            leaveAnOrphan(runtime, clock);
        }
    }

    @FaasTest
    static final class LeavesADeadLetter {
        @Test
        void test(FaasRuntime runtime) {
            leaveADeadLetter(runtime);
        }
    }

    @FaasTest(allowDeadLetters = true)
    static final class AllowedToLeaveADeadLetter {
        @Test
        void test(FaasRuntime runtime) {
            leaveADeadLetter(runtime);
        }
    }
}
