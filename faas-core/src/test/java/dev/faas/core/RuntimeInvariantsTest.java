package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.FunctionTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The invariants themselves: each one fails when what it guards is broken, and holds once it is not. */
final class RuntimeInvariantsTest {

    private static final Duration BRIEF = Duration.ofMillis(50);

    private final FaasRuntime runtime =
            FaasRuntime.builder().drainTimeout(Duration.ofSeconds(5)).build();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void closeTheRuntime() {
        release.countDown();
        runtime.close();
    }

    @Test
    void aCallStillRunningHoldsItsSlot() throws InterruptedException {
        Gate gate = new Gate();
        FunctionRef<String, String> held =
                runtime.deploy(FunctionSpec.of("held", String.class, String.class, () -> (input, context) -> {
                    gate.pass();
                    return input;
                }));
        CompletableFuture<String> call = held.invokeAsync("x");
        gate.awaitArrivals(1);

        assertThatThrownBy(() -> RuntimeInvariants.checkIdle(runtime, BRIEF, false))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("1 concurrency slots held")
                .hasMessageContaining("1 slots of the shared pool held");

        gate.open();
        assertThat(call.join()).isEqualTo("x");
        assertThatCode(() -> RuntimeInvariants.checkIdle(runtime, Duration.ofSeconds(10), false))
                .doesNotThrowAnyException();
    }

    @Test
    void anOrphanBreaksTheInvariantUnlessOrphansAreAllowed() {
        FunctionRef<String, String> stubborn = runtime.deploy(FunctionSpec.of(
                        "stubborn", String.class, String.class, () -> (input, context) -> {
                            while (true) {
                                try {
                                    release.await();
                                    return input;
                                } catch (InterruptedException ignored) {
                                    // it runs on past its deadline: an orphan
                                }
                            }
                        })
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofMillis(50)).build()));
        assertThatThrownBy(() -> stubborn.invoke("x")).isInstanceOf(FunctionTimeoutException.class);

        assertThatThrownBy(() -> RuntimeInvariants.checkIdle(runtime, BRIEF, false))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("1 orphaned threads");
        assertThatCode(() -> RuntimeInvariants.checkIdle(runtime, BRIEF, true))
                .as("its slot is the orphan's")
                .doesNotThrowAnyException();

        release.countDown();
        assertThatCode(() -> RuntimeInvariants.checkIdle(runtime, Duration.ofSeconds(10), false))
                .doesNotThrowAnyException();
    }

    @Test
    void theLedgerHoldsOneRecordPerReport() {
        FunctionRef<String, String> echo =
                runtime.deploy(FunctionSpec.of("echo", String.class, String.class, () -> (input, context) -> input));
        echo.invoke("a");
        echo.invoke("b");
        runtime.close();

        assertThatCode(() -> RuntimeInvariants.checkClosed(runtime, BRIEF, 2, false))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> RuntimeInvariants.checkClosed(runtime, BRIEF, 3, false))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("the ledger recorded 2 calls, but the listeners heard 3 reports");
    }

    @Test
    void closedChecksNeedAClosedRuntime() {
        assertThatThrownBy(() -> RuntimeInvariants.checkClosed(runtime, BRIEF, 0, false))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("needs a closed runtime");
    }
}
