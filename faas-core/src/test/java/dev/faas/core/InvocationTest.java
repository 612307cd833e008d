package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.Context;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionFailedException;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvocationReport;
import dev.faas.api.InvocationType;
import dev.faas.api.Outcome;
import dev.faas.api.ThrottledException;
import dev.faas.core.internal.engine.Invocation;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.MDC;

final class InvocationTest {

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    private final FaasRuntime runtime = fixture.start();

    @Test
    void returnsTheHandlersOutput() {
        FunctionRef<String, Integer> length = runtime.deploy(
                FunctionSpec.of("length", String.class, Integer.class, () -> (input, context) -> input.length()));

        assertThat(length.invoke("hello")).isEqualTo(5);
        assertThat(length.name()).isEqualTo("length");
    }

    @Test
    void aNullOutputIsASuccess() {
        FunctionRef<String, String> nothing =
                runtime.deploy(FunctionSpec.of("nothing", String.class, String.class, () -> (input, context) -> null));

        assertThat(nothing.invoke("x")).isNull();
        InvocationReport report = nothing.invokeForReport("x");
        assertThat(report.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(report.output()).isEmpty();
    }

    @Test
    void wrapsWhatTheHandlerThrows() {
        IOException cause = new IOException("disk on fire");
        FunctionRef<String, String> failing =
                runtime.deploy(FunctionSpec.of("failing", String.class, String.class, () -> (input, context) -> {
                    throw cause;
                }));

        assertThatThrownBy(() -> failing.invoke("x"))
                .isInstanceOfSatisfying(FunctionFailedException.class, e -> {
                    assertThat(e.functionName()).contains("failing");
                    assertThat(e.requestId()).isPresent();
                    assertThat(e.getStackTrace()[0].getClassName()).isEqualTo(Invocation.class.getName());
                })
                .hasCause(cause)
                .hasMessageContaining("function 'failing' failed")
                .hasMessageContaining("disk on fire");
    }

    @Test
    void invokeAsyncCompletesWithTheOutputOrTheFailure() {
        FunctionRef<Integer, Integer> half =
                runtime.deploy(FunctionSpec.of("half", Integer.class, Integer.class, () -> (input, context) -> {
                    if (input % 2 != 0) {
                        throw new IllegalArgumentException("odd: " + input);
                    }
                    return input / 2;
                }));

        CompletableFuture<Integer> even = half.invokeAsync(42);
        CompletableFuture<Integer> odd = half.invokeAsync(7);

        assertThat(even.join()).isEqualTo(21);
        assertThatThrownBy(odd::join)
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOf(FunctionFailedException.class)
                .cause()
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("odd: 7");
    }

    @Test
    void anAsyncCallsFutureBlocksLikeAnyOtherAndItsDependentsArePlainFutures() throws Exception {
        Gate gate = fixture.gate();
        FunctionRef<Integer, Integer> held =
                runtime.deploy(FunctionSpec.of("held", Integer.class, Integer.class, () -> (input, context) -> {
                    gate.pass();
                    return input + 1;
                }));
        CompletableFuture<Integer> call = held.invokeAsync(1);
        CompletableFuture<Integer> doubled = call.thenApply(value -> value * 2);

        assertThatThrownBy(() -> call.get(1, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        gate.open();

        assertThat(call.get()).isEqualTo(2);
        assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(doubled.join()).isEqualTo(4);
        assertThat(doubled.getClass()).isEqualTo(CompletableFuture.class);
    }

    @Test
    void reportsTheWholeStory() {
        FunctionRef<String, String> upper = runtime.deploy(
                FunctionSpec.of("upper", String.class, String.class, () -> (input, context) -> input.toUpperCase())
                        .withConfig(FunctionConfig.builder().memoryMb(512).build()));
        Instant before = Instant.now();

        InvocationReport cold = upper.invokeForReport("a");
        InvocationReport warm = upper.invokeForReport("b");

        assertThat(cold.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(cold.output()).contains("A");
        assertThat(cold.error()).isEmpty();
        assertThat(cold.function()).isEqualTo("upper");
        assertThat(cold.version()).isEqualTo("$LATEST");
        assertThat(cold.type()).isEqualTo(InvocationType.REQUEST_RESPONSE);
        assertThat(cold.attempt()).isEqualTo(1);
        assertThat(cold.memoryMb()).isEqualTo(512);
        assertThat(cold.allocatedBytes()).isEqualTo(-1);
        assertThat(cold.start()).isBetween(before, Instant.now());
        assertThat(cold.coldStart()).isTrue();
        assertThat(cold.initDuration()).isPresent();
        assertThat(cold.billedDurationMs())
                .isEqualTo(Math.max(
                        1, ceilMillis(cold.duration().plus(cold.initDuration().orElseThrow()))));
        assertThat(warm.coldStart()).isFalse();
        assertThat(warm.initDuration()).isEmpty();
        assertThat(warm.billedDurationMs()).isEqualTo(Math.max(1, ceilMillis(warm.duration())));
        assertThat(warm.requestId()).isNotEqualTo(cold.requestId());
    }

    @Test
    void reportsAFailureAsTheExceptionInvokeWouldThrow() {
        FunctionRef<String, String> failing =
                runtime.deploy(FunctionSpec.of("failing", String.class, String.class, () -> (input, context) -> {
                    throw new IllegalStateException("nope");
                }));

        InvocationReport report = failing.invokeForReport("x");

        assertThat(report.outcome()).isEqualTo(Outcome.ERROR);
        assertThat(report.output()).isEmpty();
        assertThat(report.error())
                .get()
                .isInstanceOf(FunctionFailedException.class)
                .extracting(Throwable::getCause)
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void invokeForReportAsyncCompletesWithTheReportOfEveryOutcomeAndFailsOnlyOnRefusals() {
        FunctionRef<Integer, Integer> half = runtime.deploy(FunctionSpec.of(
                        "half", Integer.class, Integer.class, () -> (input, context) -> {
                            if (input % 2 != 0) {
                                throw new IllegalArgumentException("odd: " + input);
                            }
                            return input / 2;
                        })
                .withConfig(FunctionConfig.builder().reservedConcurrency(1).build()));
        FunctionRef<Integer, Integer> disabled = runtime.deploy(FunctionSpec.of(
                        "disabled", Integer.class, Integer.class, () -> (input, context) -> input)
                .withConfig(FunctionConfig.builder().reservedConcurrency(0).build()));

        InvocationReport even = half.invokeForReportAsync(42).join();
        InvocationReport odd = half.invokeForReportAsync(7).join();
        CompletableFuture<InvocationReport> refused = disabled.invokeForReportAsync(1);

        assertThat(even.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(even.output()).contains(21);
        assertThat(odd.outcome()).isEqualTo(Outcome.ERROR);
        assertThat(odd.error())
                .get()
                .isInstanceOf(FunctionFailedException.class)
                .extracting(Throwable::getCause)
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(refused).isCompletedExceptionally();
        assertThatThrownBy(refused::join).cause().isInstanceOf(ThrottledException.class);
        assertThat(runtime.ledger().usage("half").requests()).isEqualTo(2);
    }

    @Test
    void invokeForReportAsyncCallbacksRunOnceTheSlotIsFree() {
        // reservedConcurrency 1: a callback that calls again is admitted only if the first call's slot is free
        FunctionRef<String, String> echo = runtime.deploy(FunctionSpec.of(
                        "echo", String.class, String.class, () -> (input, context) -> input)
                .withConfig(FunctionConfig.builder().reservedConcurrency(1).build()));

        CompletableFuture<InvocationReport> second = echo.invokeForReportAsync("first")
                .thenCompose(first -> echo.invokeForReportAsync(first.output().orElseThrow() + ", then second"));

        assertThat(second.join().output()).contains("first, then second");
    }

    @Test
    void givesTheHandlerItsContext() {
        AtomicReference<Context> seen = new AtomicReference<>();
        AtomicReference<Map<String, String>> mdc = new AtomicReference<>();
        AtomicReference<Duration> remaining = new AtomicReference<>();
        FunctionRef<String, String> probe =
                runtime.deploy(FunctionSpec.of("probe", String.class, String.class, () -> (input, context) -> {
                            seen.set(context);
                            mdc.set(MDC.getCopyOfContextMap());
                            remaining.set(context.remainingTime());
                            return context.requestId();
                        })
                        .withConfig(FunctionConfig.builder()
                                .memoryMb(256)
                                .timeout(Duration.ofSeconds(7))
                                .environment("STAGE", "test")
                                .build()));
        Instant before = Instant.now();

        String requestId = probe.invoke("x");

        Context context = seen.get();
        assertThat(context.requestId())
                .isEqualTo(requestId)
                .matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(context.functionName()).isEqualTo("probe");
        assertThat(context.functionVersion()).isEqualTo("$LATEST");
        assertThat(context.memoryLimitMb()).isEqualTo(256);
        assertThat(context.environment()).containsExactly(Map.entry("STAGE", "test"));
        assertThat(context.invocationType()).isEqualTo(InvocationType.REQUEST_RESPONSE);
        assertThat(context.attempt()).isEqualTo(1);
        assertThat(context.deadline())
                .isBetween(before.plusSeconds(7), Instant.now().plusSeconds(7));
        assertThat(remaining.get()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(7));
        assertThat(context.logger().getName()).isEqualTo("dev.faas.function.probe");
        assertThat(context.isCancelled()).isFalse();
        assertThat(mdc.get()).containsEntry("requestId", requestId).containsEntry("function", "probe");
    }

    @Test
    void requestIdsAreUnique() {
        FunctionRef<String, String> id = runtime.deploy(
                FunctionSpec.of("id", String.class, String.class, () -> (input, context) -> context.requestId()));
        Set<String> ids = new HashSet<>();

        for (int i = 0; i < 1000; i++) {
            ids.add(id.invoke("x"));
        }

        assertThat(ids).hasSize(1000);
    }

    @Test
    void runsEachCallOnAVirtualThreadOfTheRuntimesFactory() {
        FunctionRef<String, Boolean> virtual = runtime.deploy(FunctionSpec.of(
                "virtual",
                String.class,
                Boolean.class,
                () -> (input, context) -> Thread.currentThread().isVirtual()));

        assertThat(virtual.invoke("x")).isTrue();
        assertThat(runtime.threadFactory().newThread(() -> {}).isVirtual()).isTrue();
    }

    @Test
    void nestedInvocationsWork() {
        runtime.deploy(
                FunctionSpec.of("inner", String.class, String.class, () -> (input, context) -> "<" + input + ">"));
        FunctionRef<String, String> outer = runtime.deploy(FunctionSpec.of(
                "outer",
                String.class,
                String.class,
                () -> (input, context) -> (String) runtime.invoke("inner", input + "!")));

        assertThat(outer.invoke("x")).isEqualTo("<x!>");
    }

    private static long ceilMillis(Duration duration) {
        return Math.ceilDiv(duration.toNanos(), 1_000_000L);
    }
}
