package dev.faas.triggers.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.faas.api.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

final class FifoQueueTest {

    private final ManualClock clock = new ManualClock(Instant.parse("2027-01-01T00:00:00Z"));

    private MessageQueue fifo(String name) {
        return MessageQueue.builder(name).clock(clock).build();
    }

    private static String send(MessageQueue queue, String body, String group) {
        return queue.send(body, Map.of(), group, body);
    }

    @Test
    void aGroupGivesItsMessagesInOrderAndNoneWhileOneIsInFlight() {
        MessageQueue orders = fifo("orders.fifo");
        send(orders, "a1", "A");
        send(orders, "a2", "A");
        send(orders, "b1", "B");

        List<ReceivedMessage> first = orders.receive(1, Duration.ofSeconds(30));
        assertThat(first).extracting(ReceivedMessage::body).containsExactly("a1");
        assertThat(first.get(0).messageGroupId()).contains("A");
        assertThat(orders.receive(10))
                .as("a2 waits behind a1")
                .extracting(ReceivedMessage::body)
                .containsExactly("b1");

        orders.delete(first.get(0).receiptHandle());
        assertThat(orders.receive(10)).extracting(ReceivedMessage::body).containsExactly("a2");
    }

    @Test
    void messagesThatComeBackComeBackInTheirGroupsOrder() {
        MessageQueue orders = fifo("orders.fifo");
        for (int i = 1; i <= 4; i++) {
            send(orders, "a" + i, "A");
        }
        List<ReceivedMessage> batch = orders.receive(10, Duration.ofSeconds(10));
        assertThat(batch).extracting(ReceivedMessage::body).containsExactly("a1", "a2", "a3", "a4");
        orders.delete(batch.get(0).receiptHandle()); // a1 done; a2 failed, and a3 and a4 were not tried
        clock.advance(Duration.ofSeconds(10));

        assertThat(orders.receive(10))
                .extracting(ReceivedMessage::body, ReceivedMessage::receiveCount)
                .containsExactly(tuple("a2", 2), tuple("a3", 2), tuple("a4", 2));
    }

    @Test
    @Timeout(10)
    void aGroupWhoseNextMessageIsStillDelayedGivesNothingUntilTheDelayEnds() {
        MessageQueue orders = MessageQueue.builder("orders.fifo")
                .clock(clock)
                .delay(Duration.ofSeconds(10))
                .build();
        send(orders, "a1", "A");
        clock.advance(Duration.ofSeconds(10));
        ReceivedMessage a1 = orders.receive(1).get(0);
        send(orders, "a2", "A");
        orders.delete(a1.receiptHandle());

        assertThat(orders.receive(10)).as("a2 is delayed still").isEmpty();
        clock.advance(Duration.ofSeconds(10));
        assertThat(orders.receive(10)).extracting(ReceivedMessage::body).containsExactly("a2");
    }

    @Test
    void theOldestAgeCountsMessagesWaitingInTheirGroups() {
        MessageQueue orders = fifo("orders.fifo");
        send(orders, "a1", "A");
        clock.advance(Duration.ofSeconds(7));

        assertThat(orders.stats().oldestAge()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void aDeduplicationIdSendsOnceInFiveMinutes() {
        MessageQueue orders = fifo("orders.fifo");
        String first = orders.send("pay 10", Map.of(), "A", "order-17");

        assertThat(orders.send("pay 10", Map.of(), "A", "order-17")).isEqualTo(first);
        assertThat(orders.stats().held()).isEqualTo(1);
        clock.advance(MessageQueue.DEDUPLICATION_WINDOW);
        assertThat(orders.send("pay 10", Map.of(), "A", "order-17")).isNotEqualTo(first);
        assertThat(orders.stats().held()).isEqualTo(2);
    }

    @Test
    void contentBasedDeduplicationDedupesByBody() {
        MessageQueue orders = MessageQueue.builder("orders.fifo")
                .clock(clock)
                .contentBasedDeduplication(true)
                .build();

        String first = orders.send("same", Map.of(), "A", null);

        assertThat(orders.send("same", Map.of(), "B", null)).isEqualTo(first);
        assertThat(orders.send("other", Map.of(), "A", null)).isNotEqualTo(first);
        assertThat(orders.stats().held()).isEqualTo(2);
    }

    @Test
    void aFifoSendNeedsAGroupAndADeduplicationIdAndAStandardQueueTakesNeither() {
        MessageQueue orders = fifo("orders.fifo");
        MessageQueue standard = fifo("standard");

        assertThatThrownBy(() -> orders.send("x", Map.of(), null, "d")).hasMessageContaining("message group id");
        assertThatThrownBy(() -> orders.send("x", Map.of(), "", "d")).hasMessageContaining("message group id");
        assertThatThrownBy(() -> orders.send("x", Map.of(), "A", null))
                .hasMessageContaining("deduplication id")
                .hasMessageContaining("contentBasedDeduplication(true)");
        assertThatThrownBy(() -> orders.send("x")).hasMessageContaining("needs a message group id");
        assertThatThrownBy(() -> standard.send("x", Map.of(), "A", "d")).hasMessageContaining("standard queue");
        assertThatThrownBy(() -> MessageQueue.builder("standard").contentBasedDeduplication(true))
                .hasMessageContaining("only a FIFO queue");
        assertThatThrownBy(() -> MessageQueue.builder("a.fifo.fifo")).hasMessageContaining("ending in .fifo");
        assertThatThrownBy(() -> MessageQueue.builder("orders.fifo")
                        .deadLetterQueue(standard, 3)
                        .build())
                .hasMessageContaining("both be FIFO or both standard");
    }

    @Test
    void aPoisonMessageMovesToTheDeadLetterQueueAndItsGroupGoesOn() {
        MessageQueue dead = fifo("orders-dlq.fifo");
        MessageQueue orders = MessageQueue.builder("orders.fifo")
                .clock(clock)
                .deadLetterQueue(dead, 2)
                .build();
        send(orders, "poison", "A");
        send(orders, "next", "A");

        for (int attempt = 0; attempt < 2; attempt++) {
            assertThat(orders.receive(1, Duration.ofSeconds(1)))
                    .extracting(ReceivedMessage::body)
                    .containsExactly("poison");
            clock.advance(Duration.ofSeconds(1));
        }

        assertThat(orders.receive(10)).extracting(ReceivedMessage::body).containsExactly("next");
        assertThat(dead.receive(10)).singleElement().satisfies(message -> {
            assertThat(message.body()).isEqualTo("poison");
            assertThat(message.messageGroupId()).contains("A");
            assertThat(message.receiveCount()).isEqualTo(3);
        });
    }

    @Test
    void groupOrderHoldsUnderEightConsumersWithFailuresInjected() throws InterruptedException {
        MessageQueue work = MessageQueue.builder("work.fifo").capacity(20_000).build(); // the system clock
        int groups = 20;
        int perGroup = 500;
        for (int i = 0; i < perGroup; i++) {
            for (int g = 0; g < groups; g++) {
                send(work, g + ":" + i, "g" + g);
            }
        }
        Map<String, List<Integer>> done = new ConcurrentHashMap<>();
        Set<String> outOfOrder = ConcurrentHashMap.newKeySet();
        List<Thread> consumers = new CopyOnWriteArrayList<>();
        for (int c = 0; c < 8; c++) {
            SplittableRandom random = new SplittableRandom(c);
            consumers.add(Thread.ofVirtual().start(() -> {
                List<ReceivedMessage> batch;
                while (!(batch = work.receive(10, Duration.ofHours(1))).isEmpty()) {
                    Set<String> failedGroups = new HashSet<>();
                    for (ReceivedMessage message : batch) {
                        String group = message.messageGroupId().orElseThrow();
                        // a failure, and every later message of its group in the batch, comes back
                        if (failedGroups.contains(group) || random.nextInt(10) == 0) {
                            failedGroups.add(group);
                            work.changeVisibility(message.receiptHandle(), Duration.ZERO);
                            continue;
                        }
                        int sequence = Integer.parseInt(message.body().split(":")[1]);
                        List<Integer> sequences = done.computeIfAbsent(group, g -> new ArrayList<>());
                        if (!sequences.isEmpty() && sequences.get(sequences.size() - 1) != sequence - 1) {
                            outOfOrder.add(group + " after " + sequences.get(sequences.size() - 1) + ": " + sequence);
                        }
                        sequences.add(sequence);
                        work.delete(message.receiptHandle());
                    }
                }
            }));
        }
        for (Thread consumer : consumers) {
            consumer.join();
        }

        assertThat(outOfOrder).isEmpty();
        assertThat(done)
                .hasSize(groups)
                .allSatisfy((group, sequences) -> assertThat(sequences).hasSize(perGroup));
        assertThat(work.stats().held()).isZero();
    }
}
