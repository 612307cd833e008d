package dev.faas.benchmarks;

import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.core.FaasRuntime;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a cold start costs the runtime itself (the factory is trivial): deploy a function, call it
 * once (INIT, then the call), undeploy it; next to a warm call that reuses its environment.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ColdStartBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ColdStartBenchmark {

    private FaasRuntime runtime;
    private FunctionRef<Integer, Integer> warm;

    @Setup
    public void setUp() {
        runtime = FaasRuntime.builder().build();
        warm = runtime.deploy(spec("warm"));
        warm.invoke(0);
    }

    @TearDown
    public void tearDown() {
        runtime.close();
    }

    /** Deploy, first call (a cold start), undeploy. */
    @Benchmark
    public Integer deployAndFirstCall() {
        FunctionRef<Integer, Integer> cold = runtime.deploy(spec("cold"));
        Integer result = cold.invoke(1);
        runtime.undeploy("cold");
        return result;
    }

    /** A call that reuses a warm environment. */
    @Benchmark
    public Integer warmCall() {
        return warm.invoke(1);
    }

    private static FunctionSpec<Integer, Integer> spec(String name) {
        return FunctionSpec.of(name, Integer.class, Integer.class, () -> (input, context) -> input);
    }
}
