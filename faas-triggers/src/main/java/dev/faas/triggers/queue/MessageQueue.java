package dev.faas.triggers.queue;

import dev.faas.api.TimeSource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory queue with SQS's semantics for standard queues: a received message is hidden for its
 * visibility timeout and comes back unless deleted; each receive counts; a delay hides a message
 * after it is sent; a message older than the retention period is dropped (and counted); with a
 * dead-letter queue, a message received {@code maxReceiveCount} times moves there on its next
 * receive, its id, attributes and receive count kept. Every time is read from a {@link TimeSource},
 * so visibility, delays and retention move with a {@link dev.faas.api.ManualClock}; nothing needs a
 * timer.
 *
 * <p>Bounded: a send past {@code capacity} messages held (visible, delayed or in flight) is refused
 * with {@link QueueFullException}, a body past {@code maxMessageBytes} with
 * {@link MessageTooLargeException}; nothing accepted is lost but by retention, and
 * {@link #close()} reports what is left. Order is first in, first out but for messages that come
 * back, which join the back; SQS promises no order for standard queues, and nor does this. One lock
 * per queue; thread-safe.
 */
public final class MessageQueue {

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

    private final String name;
    private final TimeSource clock;
    private final Duration visibilityTimeout;
    private final Duration retention;
    private final Duration delay;
    private final int maxMessageBytes;
    private final int capacity;
    private final @Nullable MessageQueue deadLetters;
    private final int maxReceiveCount;

    private final Object lock = new Object();
    private final AtomicLong ids = new AtomicLong();
    // Guarded by lock:
    private final ArrayDeque<Entry> visible = new ArrayDeque<>();
    /** When each delayed or in-flight message shows again, soonest first; a stale one is skipped as it comes up. */
    private final PriorityQueue<Due> hidden = new PriorityQueue<>();

    private final Map<String, Entry> byReceipt = new HashMap<>();
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

    public String name() {
        return name;
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
     * Sends messages, all or none: a batch that does not fit is refused whole.
     *
     * @param bodies the bodies
     * @return their ids, in order
     */
    public List<String> sendBatch(List<String> bodies) {
        return sendBatch(bodies, Map.of(), delay);
    }

    private List<String> sendBatch(List<String> bodies, Map<String, String> attributes, Duration delay) {
        Objects.requireNonNull(bodies, "bodies");
        Map<String, String> copied = Map.copyOf(attributes);
        if (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException(
                    "queue '" + name + "': a delay is between 0 and 15 min, but was " + delay);
        }
        int attributeBytes = 0;
        for (Map.Entry<String, String> attribute : copied.entrySet()) {
            attributeBytes += utf8Length(attribute.getKey()) + utf8Length(attribute.getValue());
        }
        for (String body : bodies) {
            Objects.requireNonNull(body, "body");
            long size = (long) utf8Length(body) + attributeBytes;
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
            if (held() + bodies.size() > capacity) {
                throw new QueueFullException(name, capacity);
            }
            Instant sentAt = clock.now();
            for (String body : bodies) {
                Entry entry = new Entry(name + "-" + ids.incrementAndGet(), body, copied, sentAt, now, 0);
                hold(entry, now + delay.toNanos());
                sent.add(entry.id);
            }
        }
        return sent;
    }

    /**
     * Takes a message another queue's redrive moved here, as it was: its id, attributes, receive
     * count and enqueue time (by which retention still counts, as SQS counts it). Past capacity or
     * closed too: a redrive is never refused, so that nothing is lost.
     */
    private void acceptDeadLetter(Entry from) {
        synchronized (lock) {
            Entry entry =
                    new Entry(from.id, from.body, from.attributes, from.sentAt, from.sentNanos, from.receiveCount);
            show(entry);
        }
    }

    private void hold(Entry entry, long visibleAt) {
        if (visibleAt - clock.nanoTime() > 0) {
            entry.state = State.DELAYED;
            hide(entry, visibleAt);
            delayed++;
        } else {
            show(entry);
        }
    }

    private void show(Entry entry) {
        entry.state = State.VISIBLE;
        visible.addLast(entry);
        visibleCount++;
    }

    private void hide(Entry entry, long visibleAt) {
        entry.generation++;
        hidden.add(new Due(visibleAt, entry, entry.generation));
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
    public List<ReceivedMessage> receive(int max, Duration visibility) {
        if (max < 1 || max > MAX_RECEIVE) {
            throw new IllegalArgumentException(
                    "queue '" + name + "': a receive takes 1 to " + MAX_RECEIVE + " messages, but was " + max);
        }
        checkVisibility(visibility);
        List<ReceivedMessage> received = new ArrayList<>(Math.min(max, 16));
        List<Entry> redriven = List.of();
        long now;
        synchronized (lock) {
            now = clock.nanoTime();
            refresh(now);
            Instant at = clock.now();
            while (received.size() < max) {
                Entry entry = visible.pollFirst();
                if (entry == null) {
                    break;
                }
                if (entry.state != State.VISIBLE) {
                    continue; // deleted while visible
                }
                visibleCount--;
                if (now - entry.sentNanos >= retention.toNanos()) {
                    entry.state = State.GONE;
                    byReceipt.remove(entry.receipt);
                    expired++;
                    continue;
                }
                if (deadLetters != null && entry.receiveCount >= maxReceiveCount) {
                    entry.state = State.GONE;
                    byReceipt.remove(entry.receipt);
                    deadLettered++;
                    if (redriven.isEmpty()) {
                        redriven = new ArrayList<>();
                    }
                    redriven.add(entry);
                    continue;
                }
                byReceipt.remove(entry.receipt);
                entry.receiveCount++;
                if (entry.firstReceive == null) {
                    entry.firstReceive = at;
                }
                entry.receipt = entry.id + "#" + entry.receiveCount;
                entry.state = State.IN_FLIGHT;
                hide(entry, now + visibility.toNanos());
                byReceipt.put(entry.receipt, entry);
                inFlight++;
                received.add(entry.received());
            }
        }
        for (Entry entry : redriven) { // outside this queue's lock: the dead-letter queue takes its own
            Objects.requireNonNull(deadLetters).acceptDeadLetter(entry);
        }
        return received;
    }

    /**
     * Deletes a received message by its latest receipt handle (SQS's rule: a handle from before the
     * message was received again is stale).
     *
     * @param receiptHandle the handle its latest receive returned
     * @return whether a message was deleted
     */
    public boolean delete(String receiptHandle) {
        synchronized (lock) {
            Entry entry = byReceipt.remove(receiptHandle);
            if (entry == null || entry.state == State.GONE) {
                return false;
            }
            if (entry.state == State.IN_FLIGHT) {
                inFlight--; // its entry in hidden is skipped as it comes up
            } else if (entry.state == State.VISIBLE) {
                visibleCount--; // and it is dropped from the deque as it is reached
            }
            entry.state = State.GONE;
            return true;
        }
    }

    /**
     * Changes how long a received message stays hidden, from now.
     *
     * @param receiptHandle the handle its latest receive returned
     * @param visibility 0 (visible again now) to 12 h
     * @return whether the message was in flight under that handle
     */
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
                entry.generation++; // its entry in hidden is stale now
                inFlight--;
                show(entry);
            } else {
                hide(entry, now + visibility.toNanos());
            }
            return true;
        }
    }

    /** What the queue holds now, as SQS's approximate attributes count it. */
    public QueueStats stats() {
        synchronized (lock) {
            long now = clock.nanoTime();
            refresh(now);
            return statsAt(now);
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
            return statsAt(now);
        }
    }

    private QueueStats statsAt(long now) {
        long oldest = -1;
        for (Entry entry : visible) {
            if (entry.state == State.VISIBLE) {
                oldest = Math.max(oldest, now - entry.sentNanos);
            }
        }
        for (Due due : hidden) {
            if (due.current()) {
                oldest = Math.max(oldest, now - due.entry.sentNanos);
            }
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
        Due next;
        while ((next = hidden.peek()) != null && now - next.visibleAt >= 0) {
            hidden.poll();
            if (!next.current()) {
                continue; // deleted, or hidden again for longer, since
            }
            Entry entry = next.entry;
            if (entry.state == State.DELAYED) {
                delayed--;
            } else {
                inFlight--;
            }
            show(entry);
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

    private static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
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

    /** When a message hidden shows again; current while the message has not been hidden again or deleted since. */
    private record Due(long visibleAt, Entry entry, int generation) implements Comparable<Due> {
        boolean current() {
            return entry.generation == generation && (entry.state == State.DELAYED || entry.state == State.IN_FLIGHT);
        }

        @Override
        public int compareTo(Due other) {
            return Long.compare(visibleAt - other.visibleAt, 0);
        }
    }

    /** A message held, with what its receives have done to it. Guarded by the queue's lock. */
    private static final class Entry {
        final String id;
        final String body;
        final Map<String, String> attributes;
        final Instant sentAt;
        final long sentNanos;
        int receiveCount;

        @Nullable
        Instant firstReceive;

        String receipt = "";
        State state = State.VISIBLE;
        int generation;

        Entry(String id, String body, Map<String, String> attributes, Instant sentAt, long sentNanos, int received) {
            this.id = id;
            this.body = body;
            this.attributes = attributes;
            this.sentAt = sentAt;
            this.sentNanos = sentNanos;
            this.receiveCount = received;
        }

        ReceivedMessage received() {
            return new ReceivedMessage(
                    id, receipt, body, attributes, receiveCount, sentAt, Objects.requireNonNull(firstReceive));
        }
    }

    /** Builds a {@link MessageQueue}; each setter checks its value and says the range. */
    public static final class Builder {
        private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,80}");

        private final String name;
        private TimeSource clock = TimeSource.system();
        private Duration visibilityTimeout = DEFAULT_VISIBILITY_TIMEOUT;
        private Duration retention = DEFAULT_RETENTION;
        private Duration delay = Duration.ZERO;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private int capacity = DEFAULT_CAPACITY;
        private @Nullable MessageQueue deadLetters;
        private int maxReceiveCount;

        private Builder(String name) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "a queue's name is 1 to 80 letters, digits, '-' or '_', but was " + name);
            }
            this.name = name;
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
            return new MessageQueue(this);
        }
    }
}
