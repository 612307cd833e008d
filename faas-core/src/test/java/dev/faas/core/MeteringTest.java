package dev.faas.core;

import static dev.faas.core.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvocationReport;
import dev.faas.api.MemoryLimitExceededException;
import dev.faas.api.Outcome;
import dev.faas.core.internal.memory.AllocationMetering;
import dev.faas.core.internal.observe.ReportLog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Exact allocation metering on the runtime's own scheduler (this suite runs with java.lang opened). */
final class MeteringTest {

    private static final int MB = 1 << 20;

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    /** Keeps allocations from being optimised away. */
    static volatile Object sink;

    @BeforeAll
    static void meteringIsAvailable() {
        assertThat(AllocationMetering.MODE)
                .as("surefire opens java.base/java.lang to the tests")
                .isEqualTo(AllocationMetering.Mode.VIRTUAL);
    }

    @Test
    void metersWhatACallAllocatesWithinAFewPercent() {
        FaasRuntime runtime = fixture.start(b -> b.allocationMetering(true));
        FunctionRef<Integer, Integer> allocate =
                runtime.deploy(FunctionSpec.of("allocate", Integer.class, Integer.class, () -> (megabytes, context) -> {
                    for (int i = 0; i < megabytes; i++) {
                        sink = new byte[MB];
                    }
                    return megabytes;
                }));
        allocate.invoke(1); // warm: class loading and JIT allocate too

        InvocationReport report = allocate.invokeForReport(20);

        assertThat(report.allocatedBytes()).isBetween(20L * MB, 21L * MB);
    }

    @Test
    void chargesTheVirtualThreadsACallStarts() {
        FaasRuntime runtime = fixture.start(b -> b.allocationMetering(true));
        FunctionRef<Integer, Integer> parent =
                runtime.deploy(FunctionSpec.of("parent", Integer.class, Integer.class, () -> (children, context) -> {
                    List<Thread> started = new ArrayList<>();
                    for (int i = 0; i < children; i++) {
                        started.add(Thread.ofVirtual().start(() -> {
                            for (int j = 0; j < 4; j++) {
                                sink = new byte[MB];
                            }
                        }));
                    }
                    for (Thread child : started) {
                        child.join();
                    }
                    return children;
                }));
        parent.invoke(0);

        InvocationReport report = parent.invokeForReport(3);

        assertThat(report.allocatedBytes()).as("3 children x 4 MB").isBetween(12L * MB, 13L * MB);
    }

    @Test
    void stopsACallThatAllocatesPastItsLimit() {
        FaasRuntime runtime = fixture.start();
        AtomicInteger allocatedMb = new AtomicInteger();
        FunctionRef<Integer, Integer> greedy = runtime.deploy(FunctionSpec.of(
                        "greedy", Integer.class, Integer.class, () -> (megabytes, context) -> {
                            for (int i = 0; i < megabytes && !context.isCancelled(); i++) {
                                sink = new byte[MB];
                                allocatedMb.incrementAndGet();
                                Thread.sleep(1); // a little I/O between steps
                            }
                            return megabytes;
                        })
                .withConfig(FunctionConfig.builder().allocationLimitMb(16).build()));

        InvocationReport report;
        try (LogCapture log = LogCapture.of(ReportLog.LOGGER, Level.INFO)) {
            report = greedy.invokeForReport(64);
            assertThat(log.messages())
                    .singleElement()
                    .asString()
                    .contains("\tAllocated: ")
                    .endsWith("Status: memory_limit");
        }

        assertThat(report.outcome()).isEqualTo(Outcome.MEMORY_LIMIT);
        assertThat(report.allocatedBytes()).isBetween(16L * MB, 24L * MB);
        assertThat(report.error())
                .get()
                .isInstanceOf(MemoryLimitExceededException.class)
                .extracting(Throwable::getMessage)
                .asString()
                .contains("function 'greedy' allocated")
                .contains("past its allocationLimitMb of 16 MB");
        assertThatThrownBy(() -> greedy.invoke(64)).isInstanceOf(MemoryLimitExceededException.class);
        eventually()
                .untilAsserted(
                        () -> assertThat(runtime.status().orphanedThreads()).isZero());
        assertThat(allocatedMb.get()).as("the handler saw it was cancelled").isLessThan(2 * 64);
    }

    @Test
    void stopsATightAllocationLoopToo() {
        FaasRuntime runtime = fixture.start();
        FunctionRef<Integer, Integer> tight = runtime.deploy(FunctionSpec.of(
                        "tight", Integer.class, Integer.class, () -> (megabytes, context) -> {
                            for (int i = 0; i < megabytes && !context.isCancelled(); i++) {
                                sink = new byte[MB];
                            }
                            return megabytes;
                        })
                .withConfig(FunctionConfig.builder().allocationLimitMb(16).build()));

        InvocationReport report = tight.invokeForReport(4096);

        assertThat(report.outcome()).isEqualTo(Outcome.MEMORY_LIMIT);
        assertThat(report.allocatedBytes()).isGreaterThan(16L * MB).isLessThan(4096L * MB);
    }

    @Test
    void leavesUnmeteredCallsAtMinusOne() {
        FaasRuntime runtime = fixture.start();
        FunctionRef<Integer, Integer> plain =
                runtime.deploy(FunctionSpec.of("plain", Integer.class, Integer.class, () -> (input, context) -> input));

        assertThat(plain.invokeForReport(1).allocatedBytes()).isEqualTo(-1);
        assertThat(runtime.ledger().entries().getFirst().allocatedBytes()).isEqualTo(-1);
    }

    @Test
    void recordsAllocationInTheLedgerAndTheMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        FaasRuntime runtime = fixture.start(b -> b.allocationMetering(true).meterRegistry(registry));
        FunctionRef<Integer, Integer> allocate =
                runtime.deploy(FunctionSpec.of("allocate", Integer.class, Integer.class, () -> (megabytes, context) -> {
                    sink = new byte[megabytes * MB];
                    return megabytes;
                }));

        long allocated = allocate.invokeForReport(2).allocatedBytes();

        assertThat(runtime.ledger().entries().getFirst().allocatedBytes()).isEqualTo(allocated);
        assertThat(registry.get("faas.allocated.bytes")
                        .tag("function", "allocate")
                        .summary()
                        .totalAmount())
                .isEqualTo(allocated);
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void aCallBlockedInFileIoDoesNotStallTheOthers(@TempDir Path directory) throws Exception {
        FaasRuntime runtime = fixture.start(b -> b.allocationMetering(true));
        int blocked = runtime.engine().carriers.parallelism - 1; // all carriers but one pinned in a read
        List<Path> pipes = new ArrayList<>();
        for (int i = 0; i < blocked; i++) {
            Path pipe = directory.resolve("pipe-" + i);
            assertThat(new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor())
                    .isZero();
            pipes.add(pipe);
        }
        FunctionRef<Path, Integer> read = runtime.deploy(FunctionSpec.of(
                        "read", Path.class, Integer.class, () -> (pipe, context) -> {
                            try (var in = new java.io.FileInputStream(pipe.toFile())) { // file I/O pins the carrier
                                return in.read();
                            }
                        })
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofMinutes(1)).build()));
        FunctionRef<Integer, Integer> quick =
                runtime.deploy(FunctionSpec.of("quick", Integer.class, Integer.class, () -> (input, context) -> input));
        List<CompletableFuture<Integer>> readers =
                pipes.stream().map(read::invokeAsync).toList();

        for (int i = 0; i < 50; i++) {
            assertThat(quick.invoke(i)).isEqualTo(i);
        }

        for (Path pipe : pipes) {
            Files.write(pipe, new byte[] {7});
        }
        assertThat(readers.stream().map(CompletableFuture::join)).containsOnly(7);
    }

    @Test
    void handsOutThreadsOnTheSchedulerItsCallsRunOn() throws InterruptedException {
        FaasRuntime runtime = fixture.start(b -> b.allocationMetering(true));
        FunctionRef<Integer, String> where = runtime.deploy(FunctionSpec.of(
                "where",
                Integer.class,
                String.class,
                () -> (input, context) -> Thread.currentThread().toString()));
        List<String> callerCarrier = new ArrayList<>();

        Thread caller = runtime.threadFactory()
                .newThread(() -> callerCarrier.add(Thread.currentThread().toString()));
        caller.start();
        caller.join();

        assertThat(callerCarrier).singleElement().asString().contains("faas-carrier-");
        assertThat(where.invoke(1)).contains("faas-carrier-");
    }
}
