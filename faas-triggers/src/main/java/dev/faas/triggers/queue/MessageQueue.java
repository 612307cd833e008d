package dev.faas.triggers.queue;

import dev.faas.api.TimeSource;
import dev.faas.triggers.internal.Digests;
import dev.faas.triggers.internal.Utf8;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory queue with SQS's semantics: a received message is hidden for its visibility timeout
 * and comes back unless deleted; each receive counts; a delay hides a message after it is sent; a
 * message older than the retention period is dropped (and counted); with a dead-letter queue, a
 * message received {@code maxReceiveCount} times moves there on its next receive, its id,
 * attributes, receive count and enqueue time kept. Every time is read from a {@link TimeSource}, so
 * visibility, delays and retention move with a {@link dev.faas.api.ManualClock}; nothing needs a
 * timer but a receive that waits for a message, whose wake-up is on the same clock.
 *
 * <p>A queue whose name ends in {@code .fifo} is a FIFO queue: each message has a group, a group
 * gives its messages in send order and none while one of them is in flight (one that comes back
 * comes back first), and a deduplication id (or, with content-based deduplication, the body's
 * SHA-256) sends once in five minutes. A standard queue gives messages first in, first out, but for
 * those that come back, which join the back: SQS promises no order there, and nor does this.
 *
 * <p>Bounded: a send past {@code capacity} messages held (visible, delayed or in flight) is refused
 * whole with {@link QueueFullException}, a message past {@code maxMessageBytes} with
 * {@link MessageTooLargeException}; nothing accepted is lost but by retention, and {@link #close()}
 * reports what is left. One lock per queue; thread-safe.
 */
public final class MessageQueue implements QueueSource {

    /** SQS's default visibility timeout: 30 s. */
    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(30);
    /** SQS's longest visibility timeout: 12 h. */
    public static final Duration MAX_VISIBILITY_TIMEOUT = Duration.ofHours(12);
    /** SQS's default retention period: 4 days. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(4);
    /** SQS's longest retention period: 14 days; its shortest is a minute. */
    public static final Duration MAX_RETENTION = Duration.ofDays(14);
    /** SQS's longest delay: 15 min. */
    public static final Duration MAX_DELAY = Duration.ofMinutes(15);
    /** The largest body by default: 1 MiB, as SQS allows. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1 << 20;
    /** How many messages a queue holds by default. */
    public static final int DEFAULT_CAPACITY = 100_000;
    /** The most messages one receive returns. */
    public static final int MAX_RECEIVE = 10_000;
    /** How long a FIFO queue remembers a deduplication id: 5 min, as SQS does. */
    public static final Duration DEDUPLICATION_WINDOW = Duration.ofMinutes(5);
    /** The longest a receive waits for a message, as SQS's longest long poll. */
    public static final Duration MAX_WAIT = Duration.ofSeconds(20);

    private final String name;
    private final TimeSource clock;
    private final Duration visibilityTimeout;
    private final Duration retention;
    private final Duration delay;
    private final int maxMessageBytes;
    private final int capacity;
    private final @Nullable MessageQueue deadLetters;
    private final int maxReceiveCount;
    private final boolean fifo;
    private final boolean contentBasedDeduplication;

    private final Object lock = new Object();
    private final AtomicLong ids = new AtomicLong();
    // Guarded by lock:
    private final ArrayDeque<Entry> visible = new ArrayDeque<>();
    /** When each delayed or in-flight message shows again, soonest first; a stale one is skipped as it comes up. */
    private final DueHeap<Entry> hidden = new DueHeap<>();

    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>(); // receives waiting for a message, first first
    private long waitersWakeAt; // the soonest a waiter looks again by its own timer; stale once it has left

    private final Map<String, Entry> byReceipt = new HashMap<>();
    /** A FIFO queue's message groups, each in send order, and those that may have a message to give. */
    private final Map<String, Group> groups = new HashMap<>();

    private final ArrayDeque<Group> readyGroups = new ArrayDeque<>();
    /** A FIFO queue's deduplication ids of the last five minutes, oldest first, and the message each sent. */
    private final ArrayDeque<Sent> recentlySent = new ArrayDeque<>();

    private final Map<String, String> sentByDeduplicationId = new HashMap<>();
    private int visibleCount;
    private int delayed;
    private int inFlight;
    private long expired;
    private long deadLettered;
    private boolean closed;

    private MessageQueue(Builder builder) {
        this.name = builder.name;
        this.clock = builder.clock;
        this.visibilityTimeout = builder.visibilityTimeout;
        this.retention = builder.retention;
        this.delay = builder.delay;
        this.maxMessageBytes = builder.maxMessageBytes;
        this.capacity = builder.capacity;
        this.deadLetters = builder.deadLetters;
        this.maxReceiveCount = builder.maxReceiveCount;
        this.fifo = builder.fifo;
        this.contentBasedDeduplication = builder.contentBasedDeduplication;
    }

    /**
     * Starts a queue.
     *
     * @param name 1 to 80 letters, digits, {@code -} or {@code _}, as SQS names queues
     * @return a builder
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    @Override
    public String name() {
        return name;
    }

    /** Whether this is a FIFO queue: its name ends in {@code .fifo}. */
    @Override
    public boolean fifo() {
        return fifo;
    }

    @Override
    public Duration visibilityTimeout() {
        return visibilityTimeout;
    }

    /**
     * Sends a message with no attributes, hidden for the queue's delay.
     *
     * @param body the body, at most {@code maxMessageBytes} in UTF-8
     * @return the message's id
     * @throws QueueFullException if the queue holds {@code capacity} messages
     * @throws MessageTooLargeException if the body is too large
     * @throws IllegalStateException if the queue is closed
     */
    public String send(String body) {
        return send(body, Map.of(), delay);
    }

    /**
     * Sends a message.
     *
     * @param body the body, at most {@code maxMessageBytes} in UTF-8 (attributes included)
     * @param attributes the message's attributes
     * @param delay how long it stays hidden, 0 to 15 min
     * @return the message's id
     */
    public String send(String body, Map<String, String> attributes, Duration delay) {
        return sendBatch(List.of(body), attributes, delay).get(0);
    }

    /**
     * Sends a message to a FIFO queue: delivered after the group's earlier messages, and none of
     * the group's later ones is delivered while it is in flight. A deduplication id seen in the last
     * five minutes sends nothing and returns the first message's id.
     *
     * @param body the body
     * @param attributes the message's attributes
     * @param groupId the message group, 1 to 128 characters
     * @param deduplicationId 1 to 128 characters; null to use the body's SHA-256, when the queue has
     *     content-based deduplication
     * @return the message's id
     * @throws IllegalArgumentException on a standard queue, or without a group or a deduplication id
     */
    public String send(String body, Map<String, String> attributes, String groupId, String deduplicationId) {
        if (!fifo) {
            throw new IllegalArgumentException("queue '" + name + "' is a standard queue: send(body) takes no group");
        }
        checkId("message group id", groupId);
        String dedupe = deduplicationId != null ? deduplicationId : contentDigest(body);
        checkId("deduplication id", dedupe);
        return enqueue(List.of(body), attributes, delay, groupId, dedupe).get(0);
    }

    private void checkId(String what, @Nullable String id) {
        if (id == null || id.isEmpty() || id.length() > 128) {
            throw new IllegalArgumentException("queue '" + name + "' is FIFO: each message needs a " + what
                    + " of 1 to 128 characters"
                    + (what.startsWith("dedup") ? ", or the queue contentBasedDeduplication(true)" : "") + ", but was "
                    + id);
        }
    }

    private @Nullable String contentDigest(String body) {
        if (!contentBasedDeduplication) {
            return null;
        }
        return Digests.sha256(body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Sends messages, all or none: a batch that does not fit is refused whole.
     *
     * @param bodies the bodies
     * @return their ids, in order
     */
    public List<String> sendBatch(List<String> bodies) {
        return sendBatch(bodies, Map.of(), delay);
    }

    private List<String> sendBatch(List<String> bodies, Map<String, String> attributes, Duration delay) {
        if (fifo) {
            throw new IllegalArgumentException(
                    "queue '" + name
                            + "' is FIFO: each message needs a message group id, send(body, attributes, groupId, deduplicationId)");
        }
        return enqueue(bodies, attributes, delay, null, null);
    }

    private List<String> enqueue(
            List<String> bodies,
            Map<String, String> attributes,
            Duration delay,
            @Nullable String groupId,
            @Nullable String deduplicationId) {
        Objects.requireNonNull(bodies, "bodies");
        Map<String, String> copied = Map.copyOf(attributes);
        if (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException(
                    "queue '" + name + "': a delay is between 0 and 15 min, but was " + delay);
        }
        int attributeBytes = 0;
        for (Map.Entry<String, String> attribute : copied.entrySet()) {
            attributeBytes += Utf8.length(attribute.getKey()) + Utf8.length(attribute.getValue());
        }
        for (String body : bodies) {
            Objects.requireNonNull(body, "body");
            long size = (long) Utf8.length(body) + attributeBytes;
            if (size > maxMessageBytes) {
                throw new MessageTooLargeException(name, size, maxMessageBytes);
            }
        }
        List<String> sent = new ArrayList<>(bodies.size());
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("queue '" + name + "' is closed");
            }
            long now = clock.nanoTime();
            refresh(now);
            if (deduplicationId != null) {
                forgetDeduplicationIdsBefore(now - DEDUPLICATION_WINDOW.toNanos());
                String first = sentByDeduplicationId.get(deduplicationId);
                if (first != null) {
                    return List.of(first);
                }
            }
            if (held() + bodies.size() > capacity) {
                throw new QueueFullException(name, capacity);
            }
            Instant sentAt = clock.now();
            for (String body : bodies) {
                Entry entry = new Entry(name + "-" + ids.incrementAndGet(), body, copied, sentAt, now, 0, groupId);
                if (groupId != null) {
                    groups.computeIfAbsent(groupId, Group::new).messages.addLast(entry);
                }
                hold(entry, now, now + delay.toNanos());
                sent.add(entry.id);
            }
            if (deduplicationId != null) {
                sentByDeduplicationId.put(deduplicationId, sent.get(0));
                recentlySent.addLast(new Sent(deduplicationId, now));
            }
        }
        return sent;
    }

    private void forgetDeduplicationIdsBefore(long cutoff) {
        Sent oldest;
        while ((oldest = recentlySent.peekFirst()) != null
                && oldest.at - cutoff <= 0) { // a window of 5 min, end excluded
            recentlySent.pollFirst();
            sentByDeduplicationId.remove(oldest.deduplicationId);
        }
    }

    /**
     * Takes a message another queue's redrive moved here, as it was: its id, attributes, receive
     * count and enqueue time (by which retention still counts, as SQS counts it). Past capacity or
     * closed too: a redrive is never refused, so that nothing is lost.
     */
    private void acceptDeadLetter(Entry from) {
        synchronized (lock) {
            String group = fifo ? (from.groupId != null ? from.groupId : from.id) : null;
            Entry entry = new Entry(
                    from.id, from.body, from.attributes, from.sentAt, from.sentNanos, from.receiveCount, group);
            if (group != null) {
                groups.computeIfAbsent(group, Group::new).messages.addLast(entry);
            }
            show(entry);
        }
    }

    private void hold(Entry entry, long now, long visibleAt) {
        if (visibleAt - now > 0) {
            entry.state = State.DELAYED;
            hide(entry, visibleAt);
            delayed++;
        } else {
            show(entry);
        }
    }

    private void show(Entry entry) {
        entry.state = State.VISIBLE;
        visibleCount++;
        if (entry.groupId == null) {
            visible.addLast(entry);
            wakeOne();
        } else {
            offer(Objects.requireNonNull(groups.get(entry.groupId)));
        }
    }

    /**
     * Puts a group up for receives when its first message is visible: not while one is in flight
     * (its later ones wait), nor while the first is still delayed (until its delay ends shows it).
     */
    private void offer(Group group) {
        Entry first = group.messages.peekFirst();
        if (group.inFlight == 0 && !group.offered && first != null && first.state == State.VISIBLE) {
            group.offered = true;
            readyGroups.addLast(group);
            wakeOne();
        }
    }

    private void hide(Entry entry, long visibleAt) {
        hidden.schedule(entry, visibleAt);
        if (hidden.peek() == entry && !waiters.isEmpty() && visibleAt - waitersWakeAt < 0) {
            wakeOne(); // it shows before any waiter would look again: one looks now, and sleeps until it shows
        }
    }

    /**
     * Receives up to {@code max} visible messages, hiding each for the queue's visibility timeout.
     *
     * @param max 1 to 10,000
     * @return the messages; empty when none is visible
     */
    public List<ReceivedMessage> receive(int max) {
        return receive(max, visibilityTimeout);
    }

    /**
     * Receives up to {@code max} visible messages, hiding each for {@code visibility}.
     *
     * @param max 1 to 10,000
     * @param visibility how long each is hidden, 0 to 12 h
     * @return the messages; empty when none is visible
     */
    @Override
    public List<ReceivedMessage> receive(int max, Duration visibility) {
        checkReceive(max, visibility);
        return receiveNow(max, visibility);
    }

    /**
     * Receives as {@link #receive(int, Duration)} does, but when none is visible waits up to
     * {@code wait} for one, on the queue's clock (SQS's long polling): it returns as soon as a send,
     * an end of visibility or an end of delay shows a message.
     *
     * @param max 1 to 10,000
     * @param visibility how long each is hidden, 0 to 12 h
     * @param wait how long to wait for a first message, 0 to 20 s
     * @return the messages; empty when none came in {@code wait}
     * @throws InterruptedException when interrupted while waiting; nothing was received then
     */
    @Override
    public List<ReceivedMessage> receive(int max, Duration visibility, Duration wait) throws InterruptedException {
        checkReceive(max, visibility);
        if (wait.isNegative() || wait.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException(
                    "queue '" + name + "': a receive waits 0 to 20 s, but was asked to wait " + wait);
        }
        long deadline = clock.nanoTime() + wait.toNanos();
        while (true) {
            List<ReceivedMessage> received = receiveNow(max, visibility);
            if (!received.isEmpty()) {
                return received;
            }
            Waiter waiter = new Waiter();
            long sleep;
            synchronized (lock) {
                long now = clock.nanoTime();
                refresh(now);
                if (fifo ? !readyGroups.isEmpty() : !visible.isEmpty()) {
                    continue; // shown since
                }
                sleep = deadline - now;
                if (sleep <= 0) {
                    return List.of();
                }
                Entry next = hidden.peek();
                if (next != null) {
                    sleep = Math.min(sleep, Math.max(0, next.dueAt() - now)); // it shows then
                }
                long wakeAt = now + sleep;
                waitersWakeAt = waiters.isEmpty() || wakeAt - waitersWakeAt < 0 ? wakeAt : waitersWakeAt;
                waiters.addLast(waiter);
            }
            TimeSource.Cancellable timer = clock.schedule(Duration.ofNanos(sleep), waiter::wake);
            try {
                waiter.await();
            } catch (InterruptedException interrupted) {
                synchronized (lock) {
                    if (!waiters.remove(waiter)) {
                        wakeOne(); // it was woken for a message as it left: another waiter takes it
                    }
                }
                throw interrupted;
            } finally {
                timer.cancel();
                synchronized (lock) {
                    waiters.remove(waiter);
                }
            }
        }
    }

    /** Yes: {@link #receive(int, Duration, Duration)} waits for messages. */
    @Override
    public boolean longPolls() {
        return true;
    }

    private void checkReceive(int max, Duration visibility) {
        if (max < 1 || max > MAX_RECEIVE) {
            throw new IllegalArgumentException(
                    "queue '" + name + "': a receive takes 1 to " + MAX_RECEIVE + " messages, but was " + max);
        }
        checkVisibility(visibility);
    }

    private List<ReceivedMessage> receiveNow(int max, Duration visibility) {
        Receive receive = new Receive(max, visibility);
        synchronized (lock) {
            receive.now = clock.nanoTime();
            refresh(receive.now);
            receive.at = clock.now();
            if (fifo) {
                receiveFromGroups(receive);
            } else {
                Entry entry;
                while (receive.wantsMore() && (entry = visible.pollFirst()) != null) {
                    if (entry.state == State.VISIBLE) { // else deleted while visible
                        take(entry, receive);
                    }
                }
            }
        }
        for (Entry entry : receive.redriven) { // outside this queue's lock: the dead-letter queue takes its own
            Objects.requireNonNull(deadLetters).acceptDeadLetter(entry);
        }
        return receive.received;
    }

    /** A receive waiting for a message: a message shown wakes the first, and its timer wakes it at the latest. */
    private static final class Waiter {
        private final Thread thread = Thread.currentThread();
        private volatile boolean woken;

        void wake() {
            woken = true;
            LockSupport.unpark(thread);
        }

        void await() throws InterruptedException {
            while (!woken) {
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    throw new InterruptedException("a receive on a queue was interrupted while it waited");
                }
            }
        }
    }

    /** Wakes the receive that has waited longest, now that a message shows. Under the lock. */
    private void wakeOne() {
        Waiter waiter = waiters.pollFirst();
        if (waiter != null) {
            waiter.wake();
        }
    }

    /**
     * A FIFO receive: from each group offered, its visible messages in order up to the first that is
     * not (delayed, or in flight); a group with a message in flight gives none until it is deleted
     * or visible again.
     */
    private void receiveFromGroups(Receive receive) {
        Group group;
        while (receive.wantsMore() && (group = readyGroups.pollFirst()) != null) {
            group.offered = false;
            for (Iterator<Entry> messages = group.messages.iterator(); receive.wantsMore() && messages.hasNext(); ) {
                Entry entry = messages.next();
                if (entry.state == State.GONE) {
                    messages.remove();
                } else if (entry.state != State.VISIBLE) {
                    break;
                } else if (!take(entry, receive)) {
                    messages.remove(); // expired or redriven
                }
            }
            if (group.messages.isEmpty()) {
                groups.remove(group.id);
            } else {
                offer(group); // more to give, once what it gave is done with
            }
        }
    }

    /**
     * Gives a visible message to the receive: drops it past retention, moves it past maxReceiveCount
     * to the dead-letter queue, or else hides it for the receive's visibility.
     *
     * @return whether the queue still holds it
     */
    private boolean take(Entry entry, Receive receive) {
        visibleCount--;
        byReceipt.remove(entry.receipt);
        if (receive.now - entry.sentNanos >= retention.toNanos()) {
            entry.state = State.GONE;
            expired++;
            return false;
        }
        if (deadLetters != null && entry.receiveCount >= maxReceiveCount) {
            entry.state = State.GONE;
            deadLettered++;
            receive.redriven.add(entry);
            return false;
        }
        entry.receiveCount++;
        if (entry.firstReceive == null) {
            entry.firstReceive = receive.at;
        }
        entry.receipt = entry.id + "#" + entry.receiveCount;
        entry.state = State.IN_FLIGHT;
        hide(entry, receive.now + receive.visibility.toNanos());
        byReceipt.put(entry.receipt, entry);
        inFlight++;
        if (entry.groupId != null) {
            Objects.requireNonNull(groups.get(entry.groupId)).inFlight++;
        }
        receive.received.add(entry.received());
        return true;
    }

    /** One receive under way. */
    private static final class Receive {
        final int max;
        final Duration visibility;
        final List<ReceivedMessage> received = new ArrayList<>();
        final List<Entry> redriven = new ArrayList<>(0);
        long now;
        Instant at = Instant.EPOCH;

        Receive(int max, Duration visibility) {
            this.max = max;
            this.visibility = visibility;
        }

        boolean wantsMore() {
            return received.size() < max;
        }
    }

    /**
     * Deletes a received message by its latest receipt handle (SQS's rule: a handle from before the
     * message was received again is stale).
     *
     * @param receiptHandle the handle its latest receive returned
     * @return whether a message was deleted
     */
    @Override
    public boolean delete(String receiptHandle) {
        synchronized (lock) {
            return deleteHeld(receiptHandle);
        }
    }

    /**
     * Deletes received messages under one hold of the queue's lock, as SQS's DeleteMessageBatch
     * deletes up to ten in one request (this queue takes any number).
     *
     * @param receiptHandles the handles their latest receives returned
     * @return how many were deleted
     */
    @Override
    public int deleteBatch(List<String> receiptHandles) {
        int deleted = 0;
        synchronized (lock) {
            for (String receiptHandle : receiptHandles) {
                if (deleteHeld(receiptHandle)) {
                    deleted++;
                }
            }
        }
        return deleted;
    }

    private boolean deleteHeld(String receiptHandle) {
        Entry entry = byReceipt.remove(receiptHandle);
        if (entry == null || entry.state == State.GONE) {
            return false;
        }
        if (entry.state == State.IN_FLIGHT) {
            hidden.remove(entry);
            endFlight(entry);
        } else if (entry.state == State.VISIBLE) {
            visibleCount--; // and it is dropped from the deque as it is reached
        }
        entry.state = State.GONE;
        if (entry.groupId != null) {
            Group group = Objects.requireNonNull(groups.get(entry.groupId));
            group.messages.removeFirstOccurrence(entry); // at the group's head, but for a FIFO redelivery
            if (group.messages.isEmpty()) {
                groups.remove(group.id);
            } else {
                offer(group);
            }
        }
        return true;
    }

    /**
     * Changes how long a received message stays hidden, from now.
     *
     * @param receiptHandle the handle its latest receive returned
     * @param visibility 0 (visible again now) to 12 h
     * @return whether the message was in flight under that handle
     */
    @Override
    public boolean changeVisibility(String receiptHandle, Duration visibility) {
        checkVisibility(visibility);
        synchronized (lock) {
            long now = clock.nanoTime();
            refresh(now);
            Entry entry = byReceipt.get(receiptHandle);
            if (entry == null || entry.state != State.IN_FLIGHT) {
                return false;
            }
            if (visibility.isZero()) {
                hidden.remove(entry);
                endFlight(entry);
                show(entry);
            } else {
                hide(entry, now + visibility.toNanos());
            }
            return true;
        }
    }

    /** What the queue holds now, as SQS's approximate attributes count it. The oldest age walks the queue. */
    public QueueStats stats() {
        return stats(true);
    }

    /** The counts, and the oldest age only when asked for: it walks every message held. */
    QueueStats stats(boolean withOldestAge) {
        synchronized (lock) {
            long now = clock.nanoTime();
            refresh(now);
            return statsAt(now, withOldestAge);
        }
    }

    /**
     * Refuses sends from now on; receives and deletes still work, so that what is held can drain.
     *
     * @return what the queue holds as it closes
     */
    public QueueStats close() {
        synchronized (lock) {
            closed = true;
            long now = clock.nanoTime();
            refresh(now);
            return statsAt(now, true);
        }
    }

    private QueueStats statsAt(long now, boolean withOldestAge) {
        long oldest = -1;
        if (withOldestAge) {
            // a FIFO queue keeps its visible messages in their groups, not in the deque
            Iterable<Entry> shown = fifo
                    ? () -> groups.values().stream()
                            .flatMap(group -> group.messages.stream())
                            .iterator()
                    : visible;
            for (Entry entry : shown) {
                if (entry.state == State.VISIBLE) {
                    oldest = Math.max(oldest, now - entry.sentNanos);
                }
            }
            oldest = Math.max(
                    oldest,
                    hidden.stream()
                            .mapToLong(entry -> now - entry.sentNanos)
                            .max()
                            .orElse(-1));
        }
        return new QueueStats(
                visibleCount,
                inFlight,
                delayed,
                oldest < 0 ? Duration.ZERO : Duration.ofNanos(oldest),
                expired,
                deadLettered);
    }

    /** Moves what has come due from hidden to visible: delays ended, visibility timeouts passed. */
    private void refresh(long now) {
        Entry entry;
        while ((entry = hidden.peek()) != null && now - entry.dueAt() >= 0) {
            hidden.remove(entry);
            if (entry.state == State.DELAYED) {
                delayed--;
            } else {
                endFlight(entry);
            }
            show(entry);
        }
    }

    private void endFlight(Entry entry) {
        inFlight--;
        if (entry.groupId != null) {
            Objects.requireNonNull(groups.get(entry.groupId)).inFlight--;
        }
    }

    private int held() {
        return visibleCount + delayed + inFlight;
    }

    private void checkVisibility(Duration visibility) {
        if (visibility.isNegative() || visibility.compareTo(MAX_VISIBILITY_TIMEOUT) > 0) {
            throw new IllegalArgumentException(
                    "queue '" + name + "': a visibility timeout is between 0 and 12 h, but was " + visibility);
        }
    }

    @Override
    public String toString() {
        return "queue '" + name + "'";
    }

    private enum State {
        DELAYED,
        VISIBLE,
        IN_FLIGHT,
        GONE
    }

    /** A FIFO queue's message group: its messages in send order, and how many of them are in flight. */
    private static final class Group {
        final String id;
        final ArrayDeque<Entry> messages = new ArrayDeque<>();
        int inFlight;
        boolean offered;

        Group(String id) {
            this.id = id;
        }
    }

    /** A deduplication id, and when its message was sent. */
    private record Sent(String deduplicationId, long at) {}

    /** A message held, with what its receives have done to it. Guarded by the queue's lock. */
    private static final class Entry extends DueHeap.Due {
        final String id;
        final String body;
        final Map<String, String> attributes;
        final Instant sentAt;
        final long sentNanos;
        int receiveCount;

        @Nullable
        Instant firstReceive;

        final @Nullable String groupId;
        String receipt = "";
        State state = State.VISIBLE;

        Entry(
                String id,
                String body,
                Map<String, String> attributes,
                Instant sentAt,
                long sentNanos,
                int received,
                @Nullable String groupId) {
            this.id = id;
            this.body = body;
            this.attributes = attributes;
            this.sentAt = sentAt;
            this.sentNanos = sentNanos;
            this.receiveCount = received;
            this.groupId = groupId;
        }

        ReceivedMessage received() {
            return new ReceivedMessage(
                    id,
                    receipt,
                    body,
                    attributes,
                    receiveCount,
                    sentAt,
                    Objects.requireNonNull(firstReceive),
                    Optional.ofNullable(groupId));
        }
    }

    /** Builds a {@link MessageQueue}; each setter checks its value and says the range. */
    public static final class Builder {
        private static final String FIFO_SUFFIX = ".fifo";
        // SQS's rule: 1 to 80 characters in all, the .fifo suffix included
        private static final Pattern NAME = Pattern.compile("(?=.{1,80}$)[A-Za-z0-9_-]+(\\.fifo)?");

        private final String name;
        private TimeSource clock = TimeSource.system();
        private Duration visibilityTimeout = DEFAULT_VISIBILITY_TIMEOUT;
        private Duration retention = DEFAULT_RETENTION;
        private Duration delay = Duration.ZERO;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private int capacity = DEFAULT_CAPACITY;
        private @Nullable MessageQueue deadLetters;
        private int maxReceiveCount;
        private final boolean fifo;
        private boolean contentBasedDeduplication;

        private Builder(String name) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("a queue's name is 1 to 80 letters, digits, '-' or '_', ending in"
                        + " .fifo for a FIFO queue, but was " + name);
            }
            this.name = name;
            this.fifo = name.endsWith(FIFO_SUFFIX);
        }

        /**
         * Whether a FIFO queue takes a message without a deduplication id, and dedupes it by its body's
         * SHA-256. Default false.
         *
         * @param enabled true to dedupe by content
         * @return this builder
         * @throws IllegalArgumentException on a standard queue
         */
        public Builder contentBasedDeduplication(boolean enabled) {
            if (!fifo) {
                throw new IllegalArgumentException("queue '" + name + "' is a standard queue: only a FIFO queue"
                        + " (a name ending in .fifo) dedupes");
            }
            this.contentBasedDeduplication = enabled;
            return this;
        }

        /**
         * The clock visibility, delays and retention are read from: the runtime's, so that a
         * {@link dev.faas.api.ManualClock} moves them. Default {@link TimeSource#system()}.
         *
         * @param clock the time source
         * @return this builder
         */
        public Builder clock(TimeSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * How long a received message stays hidden unless deleted. Default 30 s.
         *
         * @param timeout 0 to 12 h
         * @return this builder
         */
        public Builder visibilityTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.compareTo(MAX_VISIBILITY_TIMEOUT) > 0) {
                throw new IllegalArgumentException(
                        "queue '" + name + "': visibilityTimeout is between 0 and 12 h, but was " + timeout);
            }
            this.visibilityTimeout = timeout;
            return this;
        }

        /**
         * How long a message is kept, from when it was sent. Default 4 days.
         *
         * @param retention 1 min to 14 days
         * @return this builder
         */
        public Builder retention(Duration retention) {
            Objects.requireNonNull(retention, "retention");
            if (retention.compareTo(Duration.ofMinutes(1)) < 0 || retention.compareTo(MAX_RETENTION) > 0) {
                throw new IllegalArgumentException(
                        "queue '" + name + "': retention is between 1 min and 14 days, but was " + retention);
            }
            this.retention = retention;
            return this;
        }

        /**
         * How long a message sent without a delay of its own stays hidden. Default 0.
         *
         * @param delay 0 to 15 min
         * @return this builder
         */
        public Builder delay(Duration delay) {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
                throw new IllegalArgumentException(
                        "queue '" + name + "': delay is between 0 and 15 min, but was " + delay);
            }
            this.delay = delay;
            return this;
        }

        /**
         * The largest message, body and attributes in UTF-8. Default 1 MiB.
         *
         * @param bytes 1 or more
         * @return this builder
         */
        public Builder maxMessageBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException(
                        "queue '" + name + "': maxMessageBytes is 1 or more, but was " + bytes);
            }
            this.maxMessageBytes = bytes;
            return this;
        }

        /**
         * How many messages the queue holds at most, visible, delayed and in flight. Default 100,000.
         *
         * @param messages 1 or more
         * @return this builder
         */
        public Builder capacity(int messages) {
            if (messages < 1) {
                throw new IllegalArgumentException("queue '" + name + "': capacity is 1 or more, but was " + messages);
            }
            this.capacity = messages;
            return this;
        }

        /**
         * Where a message goes on the receive after its {@code maxReceiveCount}-th: SQS's redrive
         * policy. The dead-letter queue must read the same clock. Default: none, and messages come
         * back until deleted or past retention.
         *
         * @param queue the dead-letter queue
         * @param maxReceiveCount 1 to 1,000
         * @return this builder
         */
        public Builder deadLetterQueue(MessageQueue queue, int maxReceiveCount) {
            Objects.requireNonNull(queue, "queue");
            if (maxReceiveCount < 1 || maxReceiveCount > 1000) {
                throw new IllegalArgumentException(
                        "queue '" + name + "': maxReceiveCount is 1 to 1000, but was " + maxReceiveCount);
            }
            this.deadLetters = queue;
            this.maxReceiveCount = maxReceiveCount;
            return this;
        }

        /**
         * Builds the queue.
         *
         * @return the queue
         * @throws IllegalArgumentException if the dead-letter queue is this queue's name
         */
        public MessageQueue build() {
            if (deadLetters != null && deadLetters.name.equals(name)) {
                throw new IllegalArgumentException(
                        "queue '" + name + "' cannot be its own dead-letter queue: give it another");
            }
            if (deadLetters != null && deadLetters.fifo != fifo) {
                throw new IllegalArgumentException("queue '" + name + "' and its dead-letter queue '" + deadLetters.name
                        + "' must both be FIFO or both standard, as SQS has them");
            }
            return new MessageQueue(this);
        }
    }
}
