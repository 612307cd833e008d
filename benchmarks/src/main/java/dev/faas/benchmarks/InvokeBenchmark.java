package dev.faas.benchmarks;

import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.Handler;
import dev.faas.core.FaasRuntime;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one synchronous call of a no-op function costs: the runtime's {@code FunctionRef.invoke}
 * (with its ledger and meters, and with the least it can run with) and {@code invokeAsync}, next to
 * a direct method call (the floor), a raw virtual-thread submit + get (what the runtime builds on),
 * and the peer many services use for the same job: a Resilience4j Bulkhead and TimeLimiter around
 * a virtual-thread executor; and {@code invokeMetered}, with every call's allocation metered on the
 * runtime's own carriers. One caller on a platform thread; the subclasses run two callers, and
 * callers on virtual threads. Target: {@code invoke} at most 1.2x {@code rawVirtualThread}, and
 * faster than {@code resilience4j}.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar org.openjdk.jmh.Main InvokeBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = InvokeBenchmark.OPEN_JAVA_LANG)
@Threads(1)
public class InvokeBenchmark {

    /** Lets the runtime meter calls on its own scheduler (for {@link #invokeMetered}). */
    static final String OPEN_JAVA_LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";

    private static final Handler<Integer, Integer> NO_OP = (input, context) -> input;
    private static final Integer INPUT = 42;

    private ExecutorService virtualThreads;
    private Bulkhead bulkhead;
    private TimeLimiter timeLimiter;
    private FaasRuntime runtime;
    private FunctionRef<Integer, Integer> function;
    private FaasRuntime bareRuntime;
    private FunctionRef<Integer, Integer> bareFunction;
    private FaasRuntime meteredRuntime;
    private FunctionRef<Integer, Integer> meteredFunction;

    @Setup
    public void setUp() {
        virtualThreads = Executors.newVirtualThreadPerTaskExecutor();
        bulkhead = Bulkhead.of(
                "peer",
                BulkheadConfig.custom()
                        .maxConcurrentCalls(1000)
                        .maxWaitDuration(Duration.ZERO)
                        .build());
        timeLimiter = TimeLimiter.of(TimeLimiterConfig.custom()
                .timeoutDuration(Duration.ofSeconds(3))
                .cancelRunningFuture(true)
                .build());
        runtime = FaasRuntime.builder().meterRegistry(new SimpleMeterRegistry()).build();
        function = runtime.deploy(FunctionSpec.of("no-op", Integer.class, Integer.class, () -> NO_OP));
        bareRuntime = FaasRuntime.builder().reportLog(false).ledgerRetention(0).build();
        bareFunction = bareRuntime.deploy(FunctionSpec.of("no-op", Integer.class, Integer.class, () -> NO_OP));
        meteredRuntime = FaasRuntime.builder()
                .meterRegistry(new SimpleMeterRegistry())
                .allocationMetering(true)
                .build();
        meteredFunction = meteredRuntime.deploy(FunctionSpec.of("no-op", Integer.class, Integer.class, () -> NO_OP));
    }

    @TearDown
    public void tearDown() {
        runtime.close();
        bareRuntime.close();
        meteredRuntime.close();
        virtualThreads.close();
    }

    /** The floor: the handler called directly on the caller's thread. */
    @Benchmark
    public Integer baseline() throws Exception {
        return NO_OP.handle(INPUT, null);
    }

    /** What the runtime builds on: a new virtual thread per call, the caller waiting for it. */
    @Benchmark
    public Integer rawVirtualThread() throws Exception {
        return virtualThreads.submit(() -> NO_OP.handle(INPUT, null)).get();
    }

    /** The peer: a concurrency limit and a per-call timeout around the same executor. */
    @Benchmark
    public Integer resilience4j() throws Exception {
        Callable<Integer> call =
                () -> timeLimiter.executeFutureSupplier(() -> virtualThreads.submit(() -> NO_OP.handle(INPUT, null)));
        return bulkhead.executeCallable(call);
    }

    /** The runtime with its ledger (retained records) and Micrometer meters on, REPORT lines off. */
    @Benchmark
    public Integer invoke() {
        return function.invoke(INPUT);
    }

    /** The runtime with the least it runs with: no meters, no retained records, no REPORT line. */
    @Benchmark
    public Integer invokeBare() {
        return bareFunction.invoke(INPUT);
    }

    /** {@link #invoke} with every call's allocation metered on the runtime's own carriers. */
    @Benchmark
    public Integer invokeMetered() {
        return meteredFunction.invoke(INPUT);
    }

    /** {@code invokeAsync}, joined at once: what a caller holding a future pays. */
    @Benchmark
    public Integer invokeAsync() {
        return function.invokeAsync(INPUT).join();
    }

    /** Two callers at once, on platform threads. */
    @Threads(2)
    public static class TwoCallers extends InvokeBenchmark {}

    /** One caller on a virtual thread (JMH's virtual executor). */
    @Fork(
            value = 1,
            jvmArgsAppend = {"-Djmh.executor=VIRTUAL", OPEN_JAVA_LANG})
    public static class VirtualCaller extends InvokeBenchmark {}

    /** Two callers on virtual threads. */
    @Threads(2)
    @Fork(
            value = 1,
            jvmArgsAppend = {"-Djmh.executor=VIRTUAL", OPEN_JAVA_LANG})
    public static class TwoVirtualCallers extends InvokeBenchmark {}
}
