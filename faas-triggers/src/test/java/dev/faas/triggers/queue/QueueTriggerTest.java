package dev.faas.triggers.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.ManualClock;
import dev.faas.api.PayloadTypeException;
import dev.faas.api.events.BatchResponse;
import dev.faas.api.events.QueueBatchEvent;
import dev.faas.core.FaasRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

final class QueueTriggerTest {

    private final ManualClock clock = new ManualClock(Instant.parse("2027-01-01T00:00:00Z"));
    private final FaasRuntime runtime =
            FaasRuntime.builder().clock(clock).reportLog(false).build();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    /** Every message body a delivery handed the function, in order. */
    private final Queue<String> handed = new ConcurrentLinkedQueue<>();

    @AfterEach
    void close() {
        runtime.close();
    }

    private MessageQueue.Builder queue(String name) {
        return MessageQueue.builder(name).clock(clock).visibilityTimeout(Duration.ofSeconds(30));
    }

    /** Deploys "work", which records each body it is handed and answers as {@code answer} says. */
    private void deploy(Function<QueueBatchEvent, BatchResponse> answer, FunctionConfig config) {
        runtime.deploy(FunctionSpec.of("work", QueueBatchEvent.class, BatchResponse.class, () -> (batch, context) -> {
                    batch.messages().forEach(message -> handed.add(message.body()));
                    return answer.apply(batch);
                })
                .withConfig(config));
    }

    private void deploy(Function<QueueBatchEvent, BatchResponse> answer) {
        deploy(answer, FunctionConfig.defaults());
    }

    /** Moves the manual clock a second at a time until {@code done}: pollers wait on it. */
    private void advanceUntil(BooleanSupplier done) {
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> {
                    if (done.getAsBoolean()) {
                        return true;
                    }
                    clock.advance(Duration.ofSeconds(1));
                    return false;
                });
    }

    @Test
    void everyMessageIsHandedOverInBatchesAndDeleted() {
        MessageQueue orders = queue("orders").build();
        for (int i = 0; i < 25; i++) {
            orders.send("m" + i);
        }
        deploy(batch -> null);

        runtime.addTrigger(
                QueueTrigger.builder(orders, "work").meterRegistry(meters).build());

        advanceUntil(() -> orders.stats().held() == 0);
        assertThat(handed).hasSize(25).doesNotHaveDuplicates();
        assertThat(runtime.ledger().usage("work").requests()).isBetween(3L, 25L);
        assertThat(meters.get("faas.queue.batches")
                        .tag("outcome", "success")
                        .counter()
                        .count())
                .isEqualTo(runtime.ledger().usage("work").requests());
    }

    @Test
    @Timeout(20)
    void aMessageSentToAnIdleQueueGoesAtOnceAndCloseEndsTheLongPolls() {
        MessageQueue orders = queue("orders").build();
        deploy(batch -> null);
        QueueTrigger trigger = QueueTrigger.builder(orders, "work").build();
        runtime.addTrigger(trigger);
        await().until(() -> clock.pendingTimers()
                > QueueTrigger.INITIAL_POLLERS); // the pollers wait in receives, and the scaling minute

        orders.send("one");

        await().until(() -> orders.stats().held() == 0); // the clock never moved
        assertThat(handed).containsExactly("one");
        trigger.close(); // a 20 s wait on a clock that does not move: only the interrupt ends it
        assertThat(trigger.pollers()).isZero();
        assertThat(orders.stats().inFlight()).isZero();
    }

    @Test
    void aSourceThatDoesNotLongPollIsAskedAgainAfterThePollInterval() {
        MessageQueue orders = queue("orders").build();
        ShortPolling source = new ShortPolling(orders);
        deploy(batch -> null);
        runtime.addTrigger(QueueTrigger.builder(source, "work")
                .pollInterval(Duration.ofSeconds(2))
                .build());
        await().until(() -> source.receives.get() == QueueTrigger.INITIAL_POLLERS); // each asked once, and pauses
        orders.send("one");

        clock.advance(Duration.ofSeconds(1));
        assertThat(handed).as("within the poll interval").isEmpty();
        advanceUntil(() -> orders.stats().held() == 0);
        assertThat(handed).containsExactly("one");
    }

    @Test
    @Timeout(20)
    void closeLeavesTheReceivesOfASourceThatDoesNotLongPollUninterrupted() throws InterruptedException {
        ShortPolling source = new ShortPolling(queue("orders").build());
        source.gate = new CountDownLatch(1); // each receive blocks, as a broker client's poll may
        deploy(batch -> null);
        QueueTrigger trigger = QueueTrigger.builder(source, "work").build();
        runtime.addTrigger(trigger);
        await().until(() -> source.receives.get() == QueueTrigger.INITIAL_POLLERS);

        Thread closer = Thread.ofPlatform().start(trigger::close);
        try {
            await().until(() -> closer.getState() == Thread.State.TIMED_WAITING // past stopping the pollers
                    || !closer.isAlive());
        } finally {
            source.gate.countDown();
        }
        closer.join();

        assertThat(source.interrupted).as("receives interrupted").hasValue(0);
        assertThat(trigger.pollers()).isZero();
    }

    /** A source with the SPI's defaults (no waiting receive, no batch delete) over a queue; its receives may be held. */
    private static final class ShortPolling implements QueueSource {
        private final MessageQueue queue;
        final AtomicInteger receives = new AtomicInteger();
        final AtomicInteger interrupted = new AtomicInteger();
        volatile CountDownLatch gate = new CountDownLatch(0);

        ShortPolling(MessageQueue queue) {
            this.queue = queue;
        }

        @Override
        public String name() {
            return queue.name();
        }

        @Override
        public Duration visibilityTimeout() {
            return queue.visibilityTimeout();
        }

        @Override
        public List<ReceivedMessage> receive(int max, Duration visibility) {
            receives.incrementAndGet();
            try {
                gate.await();
            } catch (InterruptedException closing) {
                interrupted.incrementAndGet();
                Thread.currentThread().interrupt();
                return List.of();
            }
            return queue.receive(max, visibility);
        }

        @Override
        public boolean delete(String receiptHandle) {
            return queue.delete(receiptHandle);
        }

        @Override
        public boolean changeVisibility(String receiptHandle, Duration visibility) {
            return queue.changeVisibility(receiptHandle, visibility);
        }
    }

    @Test
    void aReportedFailureComesBackAloneAfterItsVisibilityTimeout() {
        MessageQueue orders = queue("orders").build();
        orders.sendBatch(List.of("ok-1", "bad", "ok-2"));
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        deploy(batch -> BatchResponse.failed(batch.messages().stream()
                .filter(message -> message.body().equals("bad") && failedOnce.add(message.messageId()))
                .map(QueueBatchEvent.Message::messageId)
                .toArray(String[]::new)));

        runtime.addTrigger(QueueTrigger.builder(orders, "work")
                .reportBatchItemFailures(true)
                .build());

        advanceUntil(() -> orders.stats().held() == 0);
        assertThat(handed).containsExactly("ok-1", "bad", "ok-2", "bad");
    }

    @Test
    void aResponseNamingAnUnknownIdFailsTheWholeBatch() {
        MessageQueue orders = queue("orders").build();
        orders.sendBatch(List.of("a", "b"));
        Set<String> answered = ConcurrentHashMap.newKeySet();
        deploy(batch -> answered.add("once") ? BatchResponse.failed("no-such-id") : null);

        runtime.addTrigger(QueueTrigger.builder(orders, "work")
                .reportBatchItemFailures(true)
                .build());

        advanceUntil(() -> orders.stats().held() == 0);
        assertThat(handed).containsExactly("a", "b", "a", "b");
    }

    @Test
    void aMessageFailingThreeTimesLandsInTheDeadLetterQueueWithItsReceiveCount() {
        MessageQueue dead = queue("orders-dlq").build();
        MessageQueue orders = queue("orders").deadLetterQueue(dead, 3).build();
        String id = orders.send("poison");
        deploy(batch -> {
            throw new IllegalStateException(
                    "cannot handle " + batch.messages().get(0).body());
        });

        runtime.addTrigger(QueueTrigger.builder(orders, "work").build());

        advanceUntil(() -> dead.stats().held() == 1);
        assertThat(handed).containsExactly("poison", "poison", "poison");
        assertThat(dead.receive(1)).singleElement().satisfies(message -> {
            assertThat(message.messageId()).isEqualTo(id);
            assertThat(message.receiveCount()).isEqualTo(4); // three on the queue, the fourth here
        });
    }

    @Test
    void aThrottledFunctionLeavesItsMessagesVisibleNotLostNorFailed() {
        MessageQueue orders = queue("orders").build();
        orders.sendBatch(List.of("a", "b", "c"));
        deploy(batch -> null, FunctionConfig.builder().reservedConcurrency(0).build());

        QueueTrigger trigger =
                QueueTrigger.builder(orders, "work").meterRegistry(meters).build();
        runtime.addTrigger(trigger);

        advanceUntil(() -> meters.get("faas.queue.batches")
                        .tag("outcome", "throttled")
                        .counter()
                        .count()
                >= 3);
        assertThat(trigger.pollers())
                .as("no more than the function's concurrency allows, and one")
                .isEqualTo(1);
        assertThat(handed).isEmpty();
        assertThat(orders.stats().held()).isEqualTo(3);
        assertThat(meters.get("faas.queue.batches")
                        .tag("outcome", "failure")
                        .counter()
                        .count())
                .isZero();
    }

    @Test
    void aBatchingWindowWaitsOnTheManualClock() {
        MessageQueue orders = queue("orders").build();
        orders.sendBatch(List.of("a", "b", "c"));
        deploy(batch -> null);

        runtime.addTrigger(QueueTrigger.builder(orders, "work")
                .batchSize(100)
                .maximumBatchingWindow(Duration.ofSeconds(10))
                .build());
        await().until(() -> orders.stats().inFlight() == 3); // a poller gathers them, and waits for more
        clock.advance(Duration.ofSeconds(5));

        assertThat(runtime.ledger().usage("work").requests()).isZero();
        advanceUntil(() -> orders.stats().held() == 0);
        assertThat(runtime.ledger().usage("work").requests()).isEqualTo(1);
        assertThat(handed).containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void onAFifoQueueAFailureKeepsItsGroupsLaterMessagesAndTheyComeBackInOrder() {
        MessageQueue orders = queue("orders.fifo").build();
        for (String body : List.of("a1", "a2", "a3", "a4")) {
            orders.send(body, Map.of(), "A", body);
        }
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        deploy(batch -> BatchResponse.failed(batch.messages().stream()
                .filter(message -> message.body().equals("a2") && failedOnce.add("a2"))
                .map(QueueBatchEvent.Message::messageId)
                .toArray(String[]::new)));

        runtime.addTrigger(QueueTrigger.builder(orders, "work")
                .reportBatchItemFailures(true)
                .build());

        advanceUntil(() -> orders.stats().held() == 0);
        assertThat(handed).containsExactly("a1", "a2", "a3", "a4", "a2", "a3", "a4");
    }

    @Test
    void closingWithMessagesInFlightLosesNone() {
        MessageQueue dead = queue("dead").build();
        MessageQueue orders = queue("orders").deadLetterQueue(dead, 2).build();
        for (int i = 0; i < 200; i++) {
            orders.send(Integer.toString(i));
        }
        Set<String> done = ConcurrentHashMap.newKeySet();
        deploy(batch -> BatchResponse.failed(batch.messages().stream()
                .filter(message -> {
                    boolean fails = Integer.parseInt(message.body()) % 7 == 0;
                    if (!fails) {
                        done.add(message.body());
                    }
                    return fails;
                })
                .map(QueueBatchEvent.Message::messageId)
                .toArray(String[]::new)));
        QueueTrigger trigger = QueueTrigger.builder(orders, "work")
                .reportBatchItemFailures(true)
                .build();
        runtime.addTrigger(trigger);
        await().until(() -> done.size() > 50);

        trigger.close();

        int held = orders.stats().held();
        assertThat(done.size() + held + dead.stats().held())
                .as("deleted + held + dead-lettered")
                .isEqualTo(200);
    }

    @Test
    void pollersStartAtFiveAndAddUpEachMinuteWhileBatchesComeBackFull() {
        MessageQueue orders = queue("orders").build();
        for (int i = 0; i < 1000; i++) {
            orders.send("m" + i);
        }
        deploy(batch -> null);
        QueueTrigger trigger =
                QueueTrigger.builder(orders, "work").maximumConcurrency(20).build();
        runtime.addTrigger(trigger);

        assertThat(trigger.pollers()).isEqualTo(QueueTrigger.INITIAL_POLLERS);
        await().until(() -> handed.size() >= 10); // a full batch was handed over
        clock.advance(Duration.ofMinutes(1));

        assertThat(trigger.pollers())
                .as("up to 300 more, but never past maximumConcurrency")
                .isEqualTo(20);
        advanceUntil(() -> orders.stats().held() == 0);
        // a batch still being handled when the minute passed its visibility timeout comes back: at least once
        assertThat(Set.copyOf(handed)).hasSize(1000);
    }

    @Test
    void aMillionMessagesReachAFunctionOfConcurrency100EachOnceAndNoneIsLost() {
        int messages = 1_000_000;
        AtomicIntegerArray deliveries = new AtomicIntegerArray(messages);
        try (FaasRuntime real = FaasRuntime.builder().reportLog(false).build()) { // the system clock
            MessageQueue work = MessageQueue.builder("work")
                    .capacity(messages)
                    .visibilityTimeout(Duration.ofMinutes(5)) // longer than the run: no batch comes back
                    .build();
            List<String> bodies = new ArrayList<>(10_000);
            for (int i = 0; i < messages; i++) {
                bodies.add(Integer.toString(i));
                if (bodies.size() == 10_000) {
                    work.sendBatch(bodies);
                    bodies.clear();
                }
            }
            real.deploy(FunctionSpec.of("count", QueueBatchEvent.class, BatchResponse.class, () -> (batch, c) -> {
                        batch.messages()
                                .forEach(message -> deliveries.incrementAndGet(Integer.parseInt(message.body())));
                        return null;
                    })
                    .withConfig(
                            FunctionConfig.builder().reservedConcurrency(100).build()));
            real.addTrigger(
                    QueueTrigger.builder(work, "count").maximumConcurrency(100).build());

            await().atMost(Duration.ofMinutes(2)).until(() -> work.stats().held() == 0);

            int missing = 0;
            int duplicates = 0;
            for (int i = 0; i < messages; i++) {
                missing += deliveries.get(i) == 0 ? 1 : 0;
                duplicates += Math.max(0, deliveries.get(i) - 1);
            }
            assertThat(missing).as("lost").isZero();
            // a message is delivered again only after its visibility timeout, which no batch here outlived
            assertThat(duplicates).isZero();
            assertThat(work.stats().expired() + work.stats().deadLettered()).isZero();
        }
    }

    @Test
    void badSettingsAreRefusedAsLambdaRefusesThem() {
        MessageQueue orders = queue("orders").build();
        MessageQueue fifo = queue("orders.fifo").build();

        assertThatThrownBy(
                        () -> QueueTrigger.builder(orders, "work").batchSize(0).build())
                .hasMessageContaining("batchSize is 1 to 10000, but was 0");
        assertThatThrownBy(() ->
                        QueueTrigger.builder(orders, "work").batchSize(10_001).build())
                .hasMessageContaining("batchSize is 1 to 10000, but was 10001");
        assertThatThrownBy(
                        () -> QueueTrigger.builder(orders, "work").batchSize(11).build())
                .hasMessageContaining("needs a maximumBatchingWindow of at least 1 s");
        assertThatThrownBy(
                        () -> QueueTrigger.builder(fifo, "work").batchSize(11).build())
                .hasMessageContaining("at most 10 for a FIFO queue");
        assertThatThrownBy(() -> QueueTrigger.builder(orders, "work")
                        .maximumBatchingWindow(Duration.ofSeconds(301))
                        .build())
                .hasMessageContaining("maximumBatchingWindow is 0 to 300 s");
        assertThatThrownBy(() -> QueueTrigger.builder(fifo, "work")
                        .maximumBatchingWindow(Duration.ofSeconds(1))
                        .build())
                .hasMessageContaining("takes no maximumBatchingWindow");
        assertThatThrownBy(() -> QueueTrigger.builder(orders, "work")
                        .maximumConcurrency(1)
                        .build())
                .hasMessageContaining("maximumConcurrency is 2 to 1000");
        assertThatThrownBy(() -> QueueTrigger.builder(orders, "work")
                        .maximumConcurrency(1001)
                        .build())
                .hasMessageContaining("maximumConcurrency is 2 to 1000");

        assertThatThrownBy(() -> runtime.addTrigger(
                        QueueTrigger.builder(orders, "nowhere").build()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("'nowhere', which is not deployed");
        runtime.deploy(FunctionSpec.of("text", String.class, Void.class, () -> (input, context) -> null));
        assertThatThrownBy(() ->
                        runtime.addTrigger(QueueTrigger.builder(orders, "text").build()))
                .isInstanceOf(PayloadTypeException.class)
                .hasMessageContaining("takes java.lang.String");
        runtime.deploy(FunctionSpec.of("plain", QueueBatchEvent.class, Void.class, () -> (input, context) -> null)
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofMinutes(1)).build()));
        assertThatThrownBy(() -> runtime.addTrigger(QueueTrigger.builder(orders, "plain")
                        .reportBatchItemFailures(true)
                        .build()))
                .isInstanceOf(PayloadTypeException.class)
                .hasMessageContaining("must return a BatchResponse");
        assertThatThrownBy(() ->
                        runtime.addTrigger(QueueTrigger.builder(orders, "plain").build()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("visibility timeout of PT30S, shorter than function 'plain''s timeout of PT1M");
    }
}
