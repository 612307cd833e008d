package dev.faas.benchmarks;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.Handler;
import dev.faas.core.FaasRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The runtime and bare virtual threads side by side in one JVM, as a host runs them: its functions
 * and its own virtual threads share one heap and one collector. JMH's forks give each contestant a
 * JVM and a heap of its own, which hides what the runtime costs the collector; this does not.
 *
 * <p>Two measurements. <b>Rounds</b>: batches of {@code calls} concurrent 10 ms calls, raw virtual
 * threads and the runtime alternating (which goes first alternates too) after a warm-up; per round,
 * the throughput ratio and each side's GC time and count ({@link GarbageCollectorMXBean}s).
 * <b>In flight</b>: a million calls (by default) parked at a latch, raw then runtime: the heap
 * each holds per call after a full collection, the time to reach them all in flight, and the time
 * to complete them once released. The runtime is built as a host builds it: the default builder,
 * a {@link SimpleMeterRegistry}, no REPORT lines.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.faas.benchmarks.SideBySide            # 10k and 100k rounds, 1M in flight
 * java -Xmx2g -cp benchmarks/target/benchmarks.jar dev.faas.benchmarks.SideBySide --rounds 6 --in-flight 0
 * java -cp benchmarks/target/benchmarks.jar dev.faas.benchmarks.SideBySide --quick    # 10k rounds, 100k in flight
 * </pre>
 */
public final class SideBySide {

    private static final Duration IO = Duration.ofMillis(10);

    private final PrintStream out;

    private SideBySide(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) throws InterruptedException {
        List<String> options = List.of(args);
        boolean quick = options.contains("--quick");
        int rounds = intOption(options, "--rounds", quick ? 3 : 6);
        int inFlight = intOption(options, "--in-flight", quick ? 100_000 : 1_000_000);
        new SideBySide(System.out).run(quick ? List.of(10_000) : List.of(10_000, 100_000), rounds, inFlight);
    }

    private static int intOption(List<String> options, String name, int otherwise) {
        int at = options.indexOf(name);
        if (at < 0) {
            return otherwise;
        }
        try {
            int value = Integer.parseInt(options.get(at + 1));
            if (value >= 0) {
                return value;
            }
        } catch (IndexOutOfBoundsException | NumberFormatException notANumber) {
            // said below
        }
        throw new IllegalArgumentException(name + " takes a count, 0 or more (0 leaves that part out)");
    }

    private void run(List<Integer> sizes, int rounds, int inFlight) throws InterruptedException {
        out.printf(
                Locale.ROOT,
                "## Side by side in one JVM (JDK %s, %d cores, max heap %d MB, %s)%n%n",
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                ManagementFactory.getRuntimeMXBean().getInputArguments());
        List<String> targets = new ArrayList<>();
        for (int calls : rounds > 0 ? sizes : List.<Integer>of()) {
            targets.addAll(rounds(calls, rounds));
        }
        if (inFlight > 0) {
            out.printf("%n### Calls in flight, each parked at a latch%n%n");
            out.println(
                    "| calls | | heap per call (bytes) | to reach all in flight (ms) | to complete once released (ms)"
                            + " | GC ms (count) while starting and completing |");
            out.println("|---:|---|---:|---:|---:|---:|");
            for (int calls = 10_000; calls < inFlight; calls *= 10) {
                inFlight(calls);
            }
            targets.addAll(inFlight(inFlight));
        }
        out.printf("%nTargets (#17):%n");
        targets.forEach(target -> out.println("- " + target));
    }

    // ---- rounds ----

    private List<String> rounds(int calls, int rounds) throws InterruptedException {
        try (FaasRuntime runtime = hostRuntime(calls)) {
            FunctionRef<Integer, Integer> io = runtime.deploy(function("io", (input, context) -> {
                Thread.sleep(IO);
                return input;
            }));
            IntFunction<CompletableFuture<Integer>> viaRuntime = io::invokeAsync;
            IntFunction<CompletableFuture<Integer>> raw = SideBySide::sleepOnVirtualThread;
            for (int warmUp = 0; warmUp < 2; warmUp++) {
                batch(raw, calls);
                batch(viaRuntime, calls);
            }
            out.printf(Locale.ROOT, "%n### %,d concurrent 10 ms calls, %d rounds%n%n", calls, rounds);
            out.println(
                    "| round | raw ms | raw GC ms (count) | runtime ms | runtime GC ms (count) | throughput vs raw |");
            out.println("|---:|---:|---:|---:|---:|---:|");
            List<Double> throughput = new ArrayList<>();
            long rawGcMillis = 0;
            long runtimeGcMillis = 0;
            for (int round = 1; round <= rounds; round++) {
                Batch first = batch(round % 2 == 0 ? viaRuntime : raw, calls);
                Batch second = batch(round % 2 == 0 ? raw : viaRuntime, calls);
                Batch rawBatch = round % 2 == 0 ? second : first;
                Batch runtimeBatch = round % 2 == 0 ? first : second;
                double ratio = (double) rawBatch.nanos() / runtimeBatch.nanos();
                throughput.add(ratio);
                rawGcMillis += rawBatch.gcMillis();
                runtimeGcMillis += runtimeBatch.gcMillis();
                out.printf(
                        Locale.ROOT,
                        "| %d | %,d | %,d (%d) | %,d | %,d (%d) | %.2f |%n",
                        round,
                        rawBatch.nanos() / 1_000_000,
                        rawBatch.gcMillis(),
                        rawBatch.gcCount(),
                        runtimeBatch.nanos() / 1_000_000,
                        runtimeBatch.gcMillis(),
                        runtimeBatch.gcCount(),
                        ratio);
            }
            double median = median(throughput);
            double lowest =
                    throughput.stream().mapToDouble(Double::doubleValue).min().orElse(0);
            // A round holds one collection or none, so GC time is compared over all the rounds, not per round.
            double gcRatio = (double) runtimeGcMillis / Math.max(1, rawGcMillis);
            out.printf(
                    Locale.ROOT,
                    "%nMedian throughput vs raw %.2f (lowest %.2f); GC time over the rounds: raw %,d ms, runtime"
                            + " %,d ms (%.2fx)%n",
                    median,
                    lowest,
                    rawGcMillis,
                    runtimeGcMillis,
                    gcRatio);
            if (calls != 100_000) {
                return List.of();
            }
            return List.of(
                    String.format(
                            Locale.ROOT,
                            "100,000 concurrent 10 ms calls: at least 0.8x raw throughput, none below 0.6x: %s"
                                    + " (median %.2f, lowest %.2f)",
                            median >= 0.8 && lowest >= 0.6 ? "met" : "not met",
                            median,
                            lowest),
                    String.format(
                            Locale.ROOT,
                            "GC time per 100,000-call round at most 1.3x raw's: %s (%.2fx over the rounds)",
                            gcRatio <= 1.3 ? "met" : "not met",
                            gcRatio));
        }
    }

    private static CompletableFuture<Integer> sleepOnVirtualThread(int input) {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(IO);
                result.complete(input);
            } catch (InterruptedException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** Starts {@code calls} calls, then waits for all of them. */
    private static Batch batch(IntFunction<CompletableFuture<Integer>> call, int calls) {
        List<CompletableFuture<Integer>> results = new ArrayList<>(calls);
        long gcMillis = gcMillis();
        long gcCount = gcCount();
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            results.add(call.apply(i));
        }
        for (CompletableFuture<Integer> result : results) {
            result.join();
        }
        return new Batch(System.nanoTime() - start, gcMillis() - gcMillis, gcCount() - gcCount);
    }

    private record Batch(long nanos, long gcMillis, long gcCount) {}

    // ---- in flight ----

    /** The calls that reached the latch, in the measurement under way. */
    private final AtomicInteger arrived = new AtomicInteger();
    /** What the parked calls wait for, in the measurement under way. */
    private volatile CountDownLatch release = new CountDownLatch(0);

    /** Raw, then the runtime, with {@code calls} parked; the targets at that size. */
    private List<String> inFlight(int calls) throws InterruptedException {
        Parked raw = parked("bare virtual threads", calls, this::parkOnVirtualThread);
        Parked runtime;
        try (FaasRuntime host = hostRuntime(calls)) {
            FunctionRef<Integer, Integer> parker = host.deploy(function("parked", (input, context) -> {
                park();
                return input;
            }));
            runtime = parked("the runtime", calls, parker::invokeAsync);
        }
        long beyond = runtime.bytesPerCall() - raw.bytesPerCall();
        double toReach = (double) runtime.startNanos() / raw.startNanos();
        double toComplete = (double) runtime.completeNanos() / raw.completeNanos();
        String scale = String.format(Locale.ROOT, "%,d", calls);
        return List.of(
                String.format(
                        Locale.ROOT,
                        "%s in flight: at most 512 bytes of heap per call beyond a bare virtual thread: %s (%,d)",
                        scale,
                        beyond <= 512 ? "met" : "not met",
                        beyond),
                String.format(
                        Locale.ROOT,
                        "%s in flight: at most 1.3x the time to reach them and to complete them: %s (%.2fx, %.2fx)",
                        scale,
                        toReach <= 1.3 && toComplete <= 1.3 ? "met" : "not met",
                        toReach,
                        toComplete));
    }

    private void park() throws InterruptedException {
        CountDownLatch latch = release;
        arrived.incrementAndGet();
        latch.await();
    }

    private CompletableFuture<Integer> parkOnVirtualThread(int input) {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                park();
                result.complete(input);
            } catch (InterruptedException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** What a way of calling costs with {@code calls} calls parked at once. */
    private Parked parked(String who, int calls, IntFunction<CompletableFuture<Integer>> call)
            throws InterruptedException {
        CountDownLatch latch = new CountDownLatch(1);
        release = latch;
        arrived.set(0);
        long before = usedHeapAfterGc();
        long gcMillis = gcMillis();
        long gcCount = gcCount();
        List<CompletableFuture<Integer>> results = new ArrayList<>(calls);
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            results.add(call.apply(i));
        }
        while (arrived.get() < calls) {
            Thread.sleep(1);
        }
        long startNanos = System.nanoTime() - start;
        long startingGcMillis = gcMillis() - gcMillis;
        long startingGcCount = gcCount() - gcCount;
        long bytesPerCall = (usedHeapAfterGc() - before) / calls;
        gcMillis = gcMillis(); // the collections just forced are left out
        gcCount = gcCount();
        long released = System.nanoTime();
        latch.countDown();
        for (CompletableFuture<Integer> result : results) {
            result.join();
        }
        long completeNanos = System.nanoTime() - released;
        Parked parked = new Parked(
                bytesPerCall,
                startNanos,
                completeNanos,
                startingGcMillis + gcMillis() - gcMillis,
                startingGcCount + gcCount() - gcCount);
        out.printf(
                Locale.ROOT,
                "| %,d | %s | %,d | %,d | %,d | %,d (%d) |%n",
                calls,
                who,
                parked.bytesPerCall(),
                parked.startNanos() / 1_000_000,
                parked.completeNanos() / 1_000_000,
                parked.gcMillis(),
                parked.gcCount());
        return parked;
    }

    private record Parked(long bytesPerCall, long startNanos, long completeNanos, long gcMillis, long gcCount) {}

    // ---- the host's runtime, and the JVM's figures ----

    private static FaasRuntime hostRuntime(int calls) {
        return FaasRuntime.builder()
                .concurrencyLimit(calls)
                .meterRegistry(new SimpleMeterRegistry())
                .reportLog(false)
                .build();
    }

    private static FunctionSpec<Integer, Integer> function(String name, Handler<Integer, Integer> handler) {
        return FunctionSpec.of(name, Integer.class, Integer.class, () -> handler)
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofMinutes(15)).build());
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long gcMillis() {
        long total = 0;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, collector.getCollectionTime());
        }
        return total;
    }

    private static long gcCount() {
        long total = 0;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, collector.getCollectionCount());
        }
        return total;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }
}
