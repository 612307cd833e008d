package dev.faas.triggers.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.faas.api.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

final class MessageQueueTest {

    private static final Instant START = Instant.parse("2027-01-01T00:00:00Z");

    private final ManualClock clock = new ManualClock(START);

    private MessageQueue.Builder queue(String name) {
        return MessageQueue.builder(name).clock(clock);
    }

    @Test
    void aDeletedMessageIsLetGoAtOnceNotKeptUntilItsVisibilityTimeoutWouldHaveEnded() {
        MessageQueue orders = queue("orders").build();
        WeakReference<String> body = sendReceiveAndDelete(orders, Duration.ofHours(12));

        await("the deleted message's body collected")
                .atMost(Duration.ofSeconds(20))
                .until(() -> {
                    System.gc();
                    return body.get() == null;
                });
    }

    /** In a method of its own, so that no local of the test's frame still holds the body. */
    private static WeakReference<String> sendReceiveAndDelete(MessageQueue queue, Duration visibility) {
        String body = new String(new char[] {'o', 'n', 'e'});
        queue.send(body);
        ReceivedMessage received = queue.receive(1, visibility).get(0);
        assertThat(queue.delete(received.receiptHandle())).isTrue();
        return new WeakReference<>(body);
    }

    @Test
    void aReceivedMessageIsHiddenUntilDeletedOrItsVisibilityEnds() {
        MessageQueue orders = queue("orders").build();
        String first = orders.send("one", Map.of("kind", "order"), Duration.ZERO);
        orders.send("two");

        List<ReceivedMessage> received = orders.receive(10, Duration.ofSeconds(30));

        assertThat(received).extracting(ReceivedMessage::body).containsExactly("one", "two");
        assertThat(received.get(0).messageId()).isEqualTo(first);
        assertThat(received.get(0).attributes()).containsEntry("kind", "order");
        assertThat(received).allSatisfy(message -> {
            assertThat(message.receiveCount()).isEqualTo(1);
            assertThat(message.sentTimestamp()).isEqualTo(START);
            assertThat(message.firstReceiveTimestamp()).isEqualTo(START);
        });
        assertThat(orders.stats()).isEqualTo(new QueueStats(0, 2, 0, Duration.ZERO, 0, 0));
        assertThat(orders.delete(received.get(1).receiptHandle())).isTrue();
        assertThat(orders.delete(received.get(1).receiptHandle()))
                .as("deleted already")
                .isFalse();

        clock.advance(Duration.ofSeconds(29));
        assertThat(orders.receive(10)).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        List<ReceivedMessage> again = orders.receive(10);

        assertThat(again).singleElement().satisfies(message -> {
            assertThat(message.messageId()).isEqualTo(first);
            assertThat(message.receiveCount()).isEqualTo(2);
            assertThat(message.receiptHandle()).isNotEqualTo(received.get(0).receiptHandle());
            assertThat(message.firstReceiveTimestamp()).isEqualTo(START);
        });
        assertThat(orders.delete(received.get(0).receiptHandle()))
                .as("a stale handle")
                .isFalse();
        assertThat(orders.delete(again.get(0).receiptHandle())).isTrue();
        assertThat(orders.stats().held()).isZero();
    }

    @Test
    void aHandleFromAnotherQueueOrNoneAtAllDeletesNothing() {
        MessageQueue orders = queue("orders").build();
        MessageQueue invoices = queue("invoices").build();
        orders.send("order");
        invoices.send("invoice");
        ReceivedMessage order = orders.receive(1).get(0);
        invoices.receive(1);

        assertThat(invoices.delete(order.receiptHandle())).isFalse();
        assertThat(invoices.changeVisibility(order.receiptHandle(), Duration.ZERO))
                .isFalse();
        assertThat(List.of("", ".", "0.", ".1", "0.x", "-1.1", "99999999999999999999.1", "0.1.2"))
                .allSatisfy(
                        handle -> assertThat(orders.delete(handle)).as(handle).isFalse());
        assertThat(invoices.stats().inFlight()).isOne();
        assertThat(orders.delete(order.receiptHandle())).isTrue();
    }

    @Test
    void aWaitingReceiveReturnsAsSoonAsAMessageIsSent() throws Exception {
        MessageQueue orders = queue("orders").build();
        CompletableFuture<List<ReceivedMessage>> waiting = receiveWaiting(orders, Duration.ofSeconds(20));
        await().until(() -> clock.pendingTimers() == 1); // it waits, its wake-up set

        orders.send("one");

        assertThat(waiting.get(10, TimeUnit.SECONDS))
                .extracting(ReceivedMessage::body)
                .containsExactly("one");
        assertThat(clock.pendingTimers()).as("its wake-up called off").isZero();
    }

    @Test
    void aWaitingReceiveEndsEmptyWhenItsWaitEndsOnTheQueuesClock() throws Exception {
        MessageQueue orders = queue("orders").build();
        CompletableFuture<List<ReceivedMessage>> waiting = receiveWaiting(orders, Duration.ofSeconds(20));
        await().until(() -> clock.pendingTimers() == 1);

        clock.advance(Duration.ofSeconds(19));
        assertThat(waiting).isNotDone();
        clock.advance(Duration.ofSeconds(1));

        assertThat(waiting.get(10, TimeUnit.SECONDS)).isEmpty();
    }

    @Test
    void aWaitingReceiveWakesWhenADelayOrAVisibilityTimeoutEnds() throws Exception {
        MessageQueue orders = queue("orders").build();
        orders.send("later", Map.of(), Duration.ofSeconds(5));
        CompletableFuture<List<ReceivedMessage>> waiting = receiveWaiting(orders, Duration.ofSeconds(20));
        await().until(() -> clock.pendingTimers() == 1);

        clock.advance(Duration.ofSeconds(5));
        assertThat(waiting.get(10, TimeUnit.SECONDS))
                .extracting(ReceivedMessage::body)
                .containsExactly("later");

        clock.advance(Duration.ofSeconds(15)); // its visibility timeout of 30 s ends in 15 s more
        CompletableFuture<List<ReceivedMessage>> again = receiveWaiting(orders, Duration.ofSeconds(20));
        await().until(() -> clock.pendingTimers() == 1);
        clock.advance(Duration.ofSeconds(15)); // within the wait
        assertThat(again.get(10, TimeUnit.SECONDS))
                .singleElement()
                .satisfies(message -> assertThat(message.receiveCount()).isEqualTo(2));
    }

    @Test
    void aMessageDelayedLessThanAWaitHasLeftWakesTheWaiterWhenItsDelayEnds() throws Exception {
        MessageQueue orders = queue("orders").build();
        CompletableFuture<List<ReceivedMessage>> waiting = receiveWaiting(orders, Duration.ofSeconds(20));
        await().until(() -> clock.pendingTimers() == 1); // it sleeps for 20 s

        orders.send("soon", Map.of(), Duration.ofSeconds(2));
        clock.advance(Duration.ofSeconds(2));

        assertThat(waiting.get(10, TimeUnit.SECONDS))
                .extracting(ReceivedMessage::body)
                .containsExactly("soon");
    }

    @Test
    void anInterruptEndsAWaitAndTakesNothing() throws Exception {
        MessageQueue orders = queue("orders").build();
        CompletableFuture<List<ReceivedMessage>> waiting = new CompletableFuture<>();
        Thread receiver = Thread.ofVirtual().start(() -> receiveInto(waiting, orders, Duration.ofSeconds(20)));
        await().until(() -> clock.pendingTimers() == 1);

        receiver.interrupt();

        assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(InterruptedException.class);
        assertThat(clock.pendingTimers()).isZero();
        orders.send("one");
        assertThat(orders.receive(10)).hasSize(1);
    }

    @Test
    void aReceiveWaitsNoMoreThanTwentySeconds() {
        MessageQueue orders = queue("orders").build();

        assertThatThrownBy(() -> orders.receive(1, Duration.ofSeconds(30), Duration.ofSeconds(21)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("queue 'orders': a receive waits 0 to 20 s, but was asked to wait PT21S");
        assertThatThrownBy(() -> orders.receive(1, Duration.ofSeconds(30), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static CompletableFuture<List<ReceivedMessage>> receiveWaiting(MessageQueue queue, Duration wait) {
        CompletableFuture<List<ReceivedMessage>> received = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> receiveInto(received, queue, wait));
        return received;
    }

    private static void receiveInto(
            CompletableFuture<List<ReceivedMessage>> received, MessageQueue queue, Duration wait) {
        try {
            received.complete(queue.receive(10, Duration.ofSeconds(30), wait));
        } catch (InterruptedException | RuntimeException failure) {
            received.completeExceptionally(failure);
        }
    }

    @Test
    void aBatchDeleteDeletesWhatItsCurrentHandlesNameAndCountsThem() {
        MessageQueue orders = queue("orders").build();
        orders.sendBatch(List.of("one", "two", "three"));
        List<ReceivedMessage> first = orders.receive(3, Duration.ofSeconds(30));
        orders.changeVisibility(first.get(2).receiptHandle(), Duration.ZERO);
        ReceivedMessage third = orders.receive(1, Duration.ofSeconds(30)).get(0);

        int deleted = orders.deleteBatch(List.of(
                first.get(0).receiptHandle(), first.get(2).receiptHandle(), "orders-404#1", third.receiptHandle()));

        assertThat(deleted).as("one, and three by its current handle").isEqualTo(2);
        assertThat(orders.stats().inFlight()).as("two").isOne();
        assertThat(orders.deleteBatch(List.of(first.get(1).receiptHandle()))).isOne();
        assertThat(orders.stats()).isEqualTo(new QueueStats(0, 0, 0, Duration.ZERO, 0, 0));
    }

    @Test
    void theLatestHandleDeletesAMessageVisibleAgainButNotYetReceived() {
        MessageQueue orders = queue("orders").build();
        orders.send("one");
        ReceivedMessage received = orders.receive(1, Duration.ofSeconds(5)).get(0);
        clock.advance(Duration.ofSeconds(5));

        assertThat(orders.stats().visible()).isEqualTo(1);
        assertThat(orders.delete(received.receiptHandle())).isTrue();
        assertThat(orders.receive(10)).isEmpty();
        assertThat(orders.stats().held()).isZero();
    }

    @Test
    void changingVisibilityExtendsItOrShowsTheMessageNow() {
        MessageQueue orders = queue("orders").build();
        orders.send("one");
        ReceivedMessage received = orders.receive(1, Duration.ofSeconds(10)).get(0);

        assertThat(orders.changeVisibility(received.receiptHandle(), Duration.ofSeconds(60)))
                .isTrue();
        clock.advance(Duration.ofSeconds(59));
        assertThat(orders.receive(1)).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        ReceivedMessage second = orders.receive(1, Duration.ofMinutes(5)).get(0);
        assertThat(orders.changeVisibility(second.receiptHandle(), Duration.ZERO))
                .isTrue();

        assertThat(orders.receive(1))
                .singleElement()
                .extracting(ReceivedMessage::receiveCount)
                .isEqualTo(3);
        assertThat(orders.changeVisibility(second.receiptHandle(), Duration.ofSeconds(1)))
                .as("stale")
                .isFalse();
    }

    @Test
    void aDelayHidesAMessageAfterItIsSent() {
        MessageQueue orders = queue("orders").delay(Duration.ofSeconds(10)).build();
        orders.send("later");
        orders.send("now", Map.of(), Duration.ZERO);

        assertThat(orders.receive(10)).extracting(ReceivedMessage::body).containsExactly("now");
        assertThat(orders.stats().delayed()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(10));
        assertThat(orders.receive(10)).extracting(ReceivedMessage::body).containsExactly("later");
    }

    @Test
    void aMessagePastRetentionIsDroppedAndCounted() {
        MessageQueue orders = queue("orders").retention(Duration.ofMinutes(1)).build();
        orders.send("old");
        clock.advance(Duration.ofSeconds(30));
        orders.send("young");
        assertThat(orders.stats().oldestAge()).isEqualTo(Duration.ofSeconds(30));
        clock.advance(Duration.ofSeconds(30));

        assertThat(orders.receive(10)).extracting(ReceivedMessage::body).containsExactly("young");
        assertThat(orders.stats().expired()).isEqualTo(1);
    }

    @Test
    void aMessageReceivedMaxReceiveCountTimesMovesToTheDeadLetterQueueWithItsCount() {
        MessageQueue dead = queue("orders-dlq").build();
        MessageQueue orders = queue("orders").deadLetterQueue(dead, 3).build();
        String id = orders.send("poison", Map.of("kind", "order"), Duration.ZERO);

        for (int receive = 1; receive <= 3; receive++) { // fails three times: never deleted
            assertThat(orders.receive(1, Duration.ofSeconds(1)))
                    .singleElement()
                    .extracting(ReceivedMessage::receiveCount)
                    .isEqualTo(receive);
            clock.advance(Duration.ofSeconds(1));
        }

        assertThat(orders.receive(1)).isEmpty();
        assertThat(orders.stats().deadLettered()).isEqualTo(1);
        assertThat(orders.stats().held()).isZero();
        assertThat(dead.receive(1)).singleElement().satisfies(message -> {
            assertThat(message.messageId()).isEqualTo(id);
            assertThat(message.body()).isEqualTo("poison");
            assertThat(message.attributes()).containsEntry("kind", "order");
            assertThat(message.receiveCount()).isEqualTo(4); // three on the source queue, this one here
            assertThat(message.sentTimestamp()).isEqualTo(START);
        });
    }

    @Test
    void itsMetersReadWhatTheQueueHolds() {
        MessageQueue dead = queue("dead").build();
        MessageQueue orders = queue("orders").deadLetterQueue(dead, 1).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new MessageQueueMetrics(orders).bindTo(registry);
        orders.send("one");
        orders.send("two");
        orders.send("later", Map.of(), Duration.ofSeconds(5));
        orders.receive(1, Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(2));

        assertThat(registry.get("faas.queue.messages.visible")
                        .tag("queue", "orders")
                        .gauge()
                        .value())
                .isEqualTo(2);
        assertThat(registry.get("faas.queue.messages.delayed").gauge().value()).isEqualTo(1);
        assertThat(registry.get("faas.queue.oldest.message.age").gauge().value())
                .isEqualTo(2);
        orders.receive(10);
        assertThat(registry.get("faas.queue.messages.in.flight").gauge().value())
                .isEqualTo(1);
        assertThat(registry.get("faas.queue.messages.dead.lettered")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("faas.queue.messages.expired").functionCounter().count())
                .isZero();
    }

    @Test
    void aFullQueueRefusesASendWholeAndKeepsNothingOfIt() {
        MessageQueue small = queue("small").capacity(2).build();
        small.send("one");

        assertThatThrownBy(() -> small.sendBatch(List.of("two", "three")))
                .isInstanceOf(QueueFullException.class)
                .hasMessageContaining("capacity of 2");
        assertThat(small.stats().held()).isEqualTo(1);
        small.send("two");
        assertThatThrownBy(() -> small.send("three")).isInstanceOf(QueueFullException.class);
        small.delete(small.receive(1).get(0).receiptHandle());
        small.send("three");
        assertThat(small.stats().held()).isEqualTo(2);
    }

    @Test
    void badInputIsRefusedAtTheBoundaryNamingWhatToFix() {
        MessageQueue tiny = queue("tiny").maxMessageBytes(10).build();
        assertThatThrownBy(() -> tiny.send("12345678901"))
                .isInstanceOfSatisfying(MessageTooLargeException.class, tooLarge -> {
                    assertThat(tooLarge.size()).isEqualTo(11);
                    assertThat(tooLarge.limit()).isEqualTo(10);
                })
                .hasMessageContaining("at most 10 bytes");
        assertThatThrownBy(() -> tiny.send("12345", Map.of("key", "abc"), Duration.ZERO))
                .as("attributes count")
                .isInstanceOf(MessageTooLargeException.class);
        assertThatThrownBy(() -> tiny.send("x", Map.of(), Duration.ofMinutes(16)))
                .hasMessageContaining("between 0 and 15 min");
        assertThatThrownBy(() -> tiny.receive(0)).hasMessageContaining("1 to 10000");
        assertThatThrownBy(() -> tiny.receive(10_001)).hasMessageContaining("1 to 10000");
        assertThatThrownBy(() -> tiny.receive(1, Duration.ofHours(13))).hasMessageContaining("0 and 12 h");
        assertThatThrownBy(() -> queue("q").visibilityTimeout(Duration.ofHours(13)))
                .hasMessageContaining("visibilityTimeout is between 0 and 12 h, but was PT13H");
        assertThatThrownBy(() -> queue("q").retention(Duration.ofSeconds(59)))
                .hasMessageContaining("between 1 min and 14 days");
        assertThatThrownBy(() -> queue("q").retention(Duration.ofDays(15)))
                .hasMessageContaining("between 1 min and 14 days");
        assertThatThrownBy(() -> queue("q").delay(Duration.ofMinutes(16))).hasMessageContaining("0 and 15 min");
        assertThatThrownBy(() -> queue("q").capacity(0)).hasMessageContaining("capacity is 1 or more");
        assertThatThrownBy(() -> queue("q").maxMessageBytes(0)).hasMessageContaining("1 or more");
        assertThatThrownBy(() -> queue("q").deadLetterQueue(tiny, 0)).hasMessageContaining("1 to 1000");
        assertThatThrownBy(() -> queue("q").deadLetterQueue(tiny, 1001)).hasMessageContaining("1 to 1000");
        assertThatThrownBy(() -> queue("tiny").deadLetterQueue(tiny, 3).build())
                .hasMessageContaining("its own dead-letter queue");
        assertThatThrownBy(() -> MessageQueue.builder("has space")).hasMessageContaining("1 to 80 letters");
        assertThatThrownBy(() -> MessageQueue.builder("x".repeat(81))).hasMessageContaining("1 to 80 letters");
    }

    @Test
    void closeRefusesSendsReportsWhatIsLeftAndLosesNone() {
        MessageQueue dead = queue("dead").build();
        MessageQueue orders = queue("orders").deadLetterQueue(dead, 1).build();
        List<String> sent =
                orders.sendBatch(IntStream.range(0, 10).mapToObj(i -> "m" + i).toList());
        List<ReceivedMessage> first = orders.receive(6, Duration.ofSeconds(1));
        for (ReceivedMessage message : first.subList(0, 3)) {
            orders.delete(message.receiptHandle());
        }
        clock.advance(Duration.ofSeconds(1)); // three come back, received once already: a receive redrives them
        assertThat(orders.receive(10, Duration.ofMinutes(1))).hasSize(4); // the four never received

        QueueStats left = orders.close();

        assertThatThrownBy(() -> orders.send("late")).isInstanceOf(IllegalStateException.class);
        assertThat(3 + left.held() + left.deadLettered())
                .as("deleted + held + dead-lettered")
                .isEqualTo(sent.size());
        assertThat(left.deadLettered()).isEqualTo(dead.stats().held()).isEqualTo(3);
        clock.advance(Duration.ofMinutes(1));
        assertThat(orders.receive(10))
                .as("what is held can still drain, or redrive")
                .isEmpty();
        assertThat(dead.stats().held()).isEqualTo(7);
    }

    @Test
    void concurrentConsumersDeleteEveryMessageOnceWhenVisibilityOutlastsThem() throws InterruptedException {
        MessageQueue work = MessageQueue.builder("work").capacity(200_000).build(); // the system clock
        int messages = 100_000;
        for (int i = 0; i < messages; i += 1000) {
            int from = i;
            work.sendBatch(IntStream.range(from, from + 1000)
                    .mapToObj(Integer::toString)
                    .toList());
        }
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        List<Thread> consumers = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            consumers.add(Thread.ofVirtual().start(() -> {
                List<ReceivedMessage> batch;
                while (!(batch = work.receive(10, Duration.ofHours(1))).isEmpty()) {
                    for (ReceivedMessage message : batch) {
                        if (!seen.add(message.body())) {
                            duplicates.incrementAndGet();
                        }
                        work.delete(message.receiptHandle());
                    }
                }
            }));
        }
        for (Thread consumer : consumers) {
            consumer.join();
        }

        assertThat(seen).hasSize(messages);
        assertThat(duplicates).hasValue(0);
        assertThat(work.stats()).isEqualTo(new QueueStats(0, 0, 0, Duration.ZERO, 0, 0));
        Set<String> expected = new HashSet<>();
        IntStream.range(0, messages).forEach(i -> expected.add(Integer.toString(i)));
        assertThat(seen).isEqualTo(expected);
    }
}
