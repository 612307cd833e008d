package dev.faas.benchmarks;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.core.FaasRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How far it scales: {@code calls} I/O-bound invocations (each sleeps 10 ms) started together and
 * waited for, through the runtime (ledger and meters on), on raw virtual threads, and on a pool of
 * 200 platform threads (what many applications use today). One operation is the whole batch, so
 * invocations per second = calls / seconds per operation. Targets at 100,000 calls: at least 70% of
 * raw virtual-thread throughput, and at least 10x the 200-thread pool.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ScalingBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class ScalingBenchmark {

    private static final Duration IO = Duration.ofMillis(10);

    @Param({"1000", "10000", "100000"})
    int calls;

    private FaasRuntime runtime;
    private FunctionRef<Integer, Integer> io;
    private FaasRuntime bareRuntime;
    private FunctionRef<Integer, Integer> bareIo;
    private ExecutorService virtualThreads;
    private ExecutorService platformPool;

    @Setup
    public void setUp() {
        runtime = FaasRuntime.builder().concurrencyLimit(calls).meterRegistry(new SimpleMeterRegistry())
                .ledgerRetention(calls).build();
        io = runtime.deploy(ioFunction());
        bareRuntime = FaasRuntime.builder().concurrencyLimit(calls).reportLog(false).ledgerRetention(0).build();
        bareIo = bareRuntime.deploy(ioFunction());
        virtualThreads = Executors.newVirtualThreadPerTaskExecutor();
        platformPool = Executors.newFixedThreadPool(200);
    }

    private static FunctionSpec<Integer, Integer> ioFunction() {
        return FunctionSpec.of("io", Integer.class, Integer.class, () -> (input, context) -> {
            Thread.sleep(IO);
            return input;
        }).withConfig(FunctionConfig.builder().timeout(Duration.ofMinutes(1)).build());
    }

    @TearDown
    public void tearDown() {
        runtime.close();
        bareRuntime.close();
        virtualThreads.close();
        platformPool.close();
    }

    /** The runtime with its ledger (every record retained) and Micrometer meters on. */
    @Benchmark
    public long faas() {
        return invokeAll(io);
    }

    /** The runtime with the least it runs with: no meters, no retained records. */
    @Benchmark
    public long faasBare() {
        return invokeAll(bareIo);
    }

    private long invokeAll(FunctionRef<Integer, Integer> function) {
        List<CompletableFuture<Integer>> results = new ArrayList<>(calls);
        for (int i = 0; i < calls; i++) {
            results.add(function.invokeAsync(i));
        }
        long sum = 0;
        for (CompletableFuture<Integer> result : results) {
            sum += result.join();
        }
        return sum;
    }

    @Benchmark
    public long rawVirtualThreads() throws Exception {
        return runAll(virtualThreads);
    }

    @Benchmark
    public long platformPool200() throws Exception {
        return runAll(platformPool);
    }

    private long runAll(ExecutorService executor) throws Exception {
        List<Future<Integer>> results = new ArrayList<>(calls);
        for (int i = 0; i < calls; i++) {
            int input = i;
            results.add(executor.submit(() -> {
                Thread.sleep(IO);
                return input;
            }));
        }
        long sum = 0;
        for (Future<Integer> result : results) {
            sum += result.get();
        }
        return sum;
    }
}
