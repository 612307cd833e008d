package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvocationReport;
import dev.faas.api.Outcome;
import dev.faas.core.internal.memory.AllocationMetering;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Allocation metering without the java.lang opening: the {@code without-opening} surefire execution
 * runs this class alone, in a JVM started without it.
 */
final class MeteringFallbackTest {

    private static final int MB = 1 << 20;

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    static volatile Object sink;

    @BeforeAll
    static void runsWithoutTheOpening() {
        assertThat(AllocationMetering.MODE)
                .as("this class runs in a JVM without --add-opens java.base/java.lang")
                .isEqualTo(AllocationMetering.Mode.PLATFORM);
    }

    @Test
    void metersACappedFunctionOnAPlatformThread() {
        FaasRuntime runtime = fixture.start(b -> b.allocationMetering(true));
        FunctionRef<Integer, Boolean> capped = runtime.deploy(FunctionSpec.of(
                        "capped", Integer.class, Boolean.class, () -> (megabytes, context) -> {
                            for (int i = 0; i < megabytes; i++) {
                                sink = new byte[MB];
                            }
                            return Thread.currentThread().isVirtual();
                        })
                .withConfig(FunctionConfig.builder().allocationLimitMb(64).build()));
        capped.invoke(1);

        InvocationReport report = capped.invokeForReport(10);

        assertThat(report.output()).contains(false);
        assertThat(report.allocatedBytes()).isBetween(10L * MB, 11L * MB);
    }

    @Test
    void enforcesTheLimitOnAPlatformThread() {
        FaasRuntime runtime = fixture.start();
        FunctionRef<Integer, Integer> greedy = runtime.deploy(FunctionSpec.of(
                        "greedy", Integer.class, Integer.class, () -> (megabytes, context) -> {
                            for (int i = 0; i < megabytes && !context.isCancelled(); i++) {
                                sink = new byte[MB];
                                Thread.sleep(1);
                            }
                            return megabytes;
                        })
                .withConfig(FunctionConfig.builder().allocationLimitMb(16).build()));

        InvocationReport report = greedy.invokeForReport(64);

        assertThat(report.outcome()).isEqualTo(Outcome.MEMORY_LIMIT);
        assertThat(report.allocatedBytes()).isBetween(16L * MB, 24L * MB);
    }

    @Test
    void leavesOtherFunctionsUnmeteredOnVirtualThreads() {
        FaasRuntime runtime = fixture.start(b -> b.allocationMetering(true));
        FunctionRef<Integer, Boolean> plain = runtime.deploy(FunctionSpec.of(
                "plain",
                Integer.class,
                Boolean.class,
                () -> (input, context) -> Thread.currentThread().isVirtual()));

        InvocationReport report = plain.invokeForReport(1);

        assertThat(report.output()).contains(true);
        assertThat(report.allocatedBytes()).isEqualTo(-1);
    }
}
