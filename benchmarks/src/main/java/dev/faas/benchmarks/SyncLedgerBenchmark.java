package dev.faas.benchmarks;

import java.io.IOException;
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
 * Group commit: 1,000 callers on virtual threads record under sync durability, each waiting until
 * its record is forced to disk; records queued while one force runs share the next. Target: at
 * least 50,000 records per second.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar SyncLedgerBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Djmh.executor=VIRTUAL")
@Threads(1000)
public class SyncLedgerBenchmark {

    private LedgerRig rig;

    @Setup
    public void setUp() throws IOException {
        rig = new LedgerRig("sync");
    }

    @TearDown
    public void tearDown() throws IOException {
        rig.close();
    }

    @Benchmark
    public void record() {
        rig.record();
    }
}
