package dev.faas.benchmarks;

import java.io.IOException;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How many records per second the ledger takes, as the invocation path feeds it: a call with a
 * random request id recorded (usage counters, retained ring, and the journal's queue when there is a journal), from
 * two recording threads; in memory and under each journal durability. Under sync durability each
 * thread waits for its own record to be forced, so two threads measure the force itself; see
 * {@link SyncLedgerBenchmark} for group commit. Target: in memory at least 5 million records per
 * second. The ledger is measured alone, through its internal classes ({@code dev.faas.core.internal.ledger},
 * which the module does not export: the benchmarks run on the class path, as the JDK's own benchmarks
 * of its internals do).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar LedgerBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(2)
public class LedgerBenchmark {

    @Param({"memory", "os", "every-50ms", "sync"})
    String journal;

    private LedgerRig rig;

    @Setup
    public void setUp() throws IOException {
        rig = new LedgerRig(journal);
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
