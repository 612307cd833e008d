package dev.faas.benchmarks;

import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.core.FaasRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * The EVENT path: a batch of 1,000 events of a no-op function queued with {@code invokeEvent} and
 * waited for until every one has run (queue, dispatch, try, ledger record, meters), reported per
 * event; next to 1,000 raw virtual-thread tasks started and waited for the same way.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar EventBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@OperationsPerInvocation(EventBenchmark.BATCH)
public class EventBenchmark {

    static final int BATCH = 1000;

    private FaasRuntime runtime;
    private FunctionRef<Integer, Integer> function;
    private ExecutorService virtualThreads;
    private volatile CountDownLatch batch;

    @Setup
    public void setUp() {
        runtime = FaasRuntime.builder().meterRegistry(new SimpleMeterRegistry()).build();
        function = runtime.deploy(FunctionSpec.of("event", Integer.class, Integer.class, () -> (input, context) -> {
            batch.countDown();
            return input;
        }));
        virtualThreads = Executors.newVirtualThreadPerTaskExecutor();
    }

    @TearDown
    public void tearDown() {
        runtime.close();
        virtualThreads.close();
    }

    @Benchmark
    public void invokeEvent() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(BATCH);
        batch = done;
        for (int i = 0; i < BATCH; i++) {
            function.invokeEvent(i);
        }
        done.await();
    }

    @Benchmark
    public void rawVirtualThreads() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(BATCH);
        for (int i = 0; i < BATCH; i++) {
            virtualThreads.execute(done::countDown);
        }
        done.await();
    }
}
