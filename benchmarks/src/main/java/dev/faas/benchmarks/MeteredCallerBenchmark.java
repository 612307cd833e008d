package dev.faas.benchmarks;

import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.core.FaasRuntime;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a caller's scheduler costs a metered call. With {@code allocationMetering(true)} calls run on
 * the runtime's own carriers; a caller on a virtual thread of the JDK's scheduler pays a cross-pool
 * wake-up per call, one from {@code runtime.threadFactory()} shares the carriers with its calls. Each
 * operation is 100 synchronous calls of a no-op function from one caller thread, reported per call;
 * {@code unmetered} is the same caller and calls on the JDK's scheduler, for reference.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar MeteredCallerBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = InvokeBenchmark.OPEN_JAVA_LANG)
@OperationsPerInvocation(MeteredCallerBenchmark.CALLS)
public class MeteredCallerBenchmark {

    static final int CALLS = 100;

    private FaasRuntime metered;
    private FunctionRef<Integer, Integer> meteredFunction;
    private FaasRuntime plain;
    private FunctionRef<Integer, Integer> plainFunction;

    @Setup
    public void setUp() {
        metered =
                FaasRuntime.builder().allocationMetering(true).reportLog(false).build();
        meteredFunction =
                metered.deploy(FunctionSpec.of("no-op", Integer.class, Integer.class, () -> (input, context) -> input));
        plain = FaasRuntime.builder().reportLog(false).build();
        plainFunction =
                plain.deploy(FunctionSpec.of("no-op", Integer.class, Integer.class, () -> (input, context) -> input));
    }

    @TearDown
    public void tearDown() {
        metered.close();
        plain.close();
    }

    /** Caller and calls on the runtime's carriers. */
    @Benchmark
    public int sameScheduler() throws InterruptedException {
        return callFrom(metered.threadFactory(), meteredFunction);
    }

    /** Caller on the JDK's scheduler, metered calls on the runtime's carriers. */
    @Benchmark
    public int defaultSchedulerCaller() throws InterruptedException {
        return callFrom(Thread.ofVirtual().factory(), meteredFunction);
    }

    /** Caller and unmetered calls on the JDK's scheduler. */
    @Benchmark
    public int unmetered() throws InterruptedException {
        return callFrom(Thread.ofVirtual().factory(), plainFunction);
    }

    private static int callFrom(ThreadFactory threads, FunctionRef<Integer, Integer> function)
            throws InterruptedException {
        int[] sum = new int[1];
        Thread caller = threads.newThread(() -> {
            for (int i = 0; i < CALLS; i++) {
                sum[0] += function.invoke(i);
            }
        });
        caller.start();
        caller.join();
        return sum[0];
    }
}
