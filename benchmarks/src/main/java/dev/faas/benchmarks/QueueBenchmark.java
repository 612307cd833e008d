package dev.faas.benchmarks;

import dev.faas.api.FunctionSpec;
import dev.faas.api.events.BatchResponse;
import dev.faas.api.events.QueueBatchEvent;
import dev.faas.core.FaasRuntime;
import dev.faas.triggers.queue.MessageQueue;
import dev.faas.triggers.queue.QueueTrigger;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
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
 * Messages through a queue to a consumer, per message: 10,000 sent, then waited for until every one
 * was handled and deleted. {@code queueTrigger}: a {@link MessageQueue} read by a
 * {@link QueueTrigger} in batches of 10, each an invocation of a function; {@code bareQueue}: a
 * {@link LinkedBlockingQueue} drained in batches of 10 by as many virtual threads as the trigger
 * starts pollers (5), each batch a plain method call. Target (#19): the trigger at least half the
 * bare queue's throughput.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar QueueBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@OperationsPerInvocation(QueueBenchmark.MESSAGES)
public class QueueBenchmark {

    static final int MESSAGES = 10_000;
    private static final int BATCH = 10;

    private FaasRuntime runtime;
    private MessageQueue queue;
    private LinkedBlockingQueue<String> bare;
    private final List<Thread> bareConsumers = new ArrayList<>();
    private volatile CountDownLatch handled = new CountDownLatch(0);
    private List<String> bodies;

    @Setup
    public void setUp() {
        bodies = new ArrayList<>(MESSAGES);
        for (int i = 0; i < MESSAGES; i++) {
            bodies.add("message-" + i);
        }
        runtime = FaasRuntime.builder()
                .meterRegistry(new SimpleMeterRegistry())
                .reportLog(false)
                .build();
        runtime.deploy(FunctionSpec.of("consume", QueueBatchEvent.class, BatchResponse.class, () -> (batch, c) -> {
            for (int i = 0; i < batch.messages().size(); i++) {
                handled.countDown();
            }
            return null;
        }));
        queue = MessageQueue.builder("work")
                .capacity(MESSAGES * 2)
                .visibilityTimeout(Duration.ofMinutes(5))
                .build();
        runtime.addTrigger(
                QueueTrigger.builder(queue, "consume").batchSize(BATCH).build());
        bare = new LinkedBlockingQueue<>();
        for (int c = 0; c < QueueTrigger.INITIAL_POLLERS; c++) {
            bareConsumers.add(Thread.ofVirtual().start(this::consumeBare));
        }
    }

    private void consumeBare() {
        List<String> batch = new ArrayList<>(BATCH);
        try {
            while (true) {
                batch.add(bare.take());
                bare.drainTo(batch, BATCH - 1);
                handle(batch);
                batch.clear();
            }
        } catch (InterruptedException stopped) {
            // tearDown
        }
    }

    private void handle(List<String> batch) {
        for (int i = 0; i < batch.size(); i++) {
            handled.countDown();
        }
    }

    @TearDown
    public void tearDown() {
        runtime.close();
        bareConsumers.forEach(Thread::interrupt);
    }

    @Benchmark
    public void queueTrigger() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(MESSAGES);
        handled = done;
        for (int from = 0; from < MESSAGES; from += 1000) {
            queue.sendBatch(bodies.subList(from, from + 1000));
        }
        done.await();
    }

    @Benchmark
    public void bareQueue() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(MESSAGES);
        handled = done;
        bare.addAll(bodies);
        done.await();
    }
}
