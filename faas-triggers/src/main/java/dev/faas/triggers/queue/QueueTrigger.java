package dev.faas.triggers.queue;

import dev.faas.api.FaasException;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.Invoker;
import dev.faas.api.PayloadTypeException;
import dev.faas.api.ThrottledException;
import dev.faas.api.TimeSource;
import dev.faas.api.Trigger;
import dev.faas.api.events.BatchResponse;
import dev.faas.api.events.QueueBatchEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An event-source mapping, as Lambda has one for SQS: pollers receive batches from a
 * {@link QueueSource} and invoke a function synchronously with each as a {@link QueueBatchEvent};
 * what succeeded is deleted, and what failed comes back after its visibility timeout (and, past the
 * queue's maxReceiveCount, goes to its dead-letter queue).
 *
 * <ul>
 *   <li>Batches: up to {@code batchSize} messages (1 to 10,000; at most 10 for FIFO; above 10 only
 *       with a batching window of at least 1 s), gathered for up to {@code maximumBatchingWindow}
 *       (0 to 300 s; none for FIFO), as Lambda validates them.
 *   <li>Failures: a failed invocation returns the whole batch. With
 *       {@code reportBatchItemFailures}, a function returns a {@link BatchResponse} naming the
 *       failed messages, and only those come back; a response naming an unknown or empty id fails
 *       the whole batch, as Lambda's does. On a FIFO queue a failed message also keeps its group's
 *       later messages in the batch, which come back after it, in order.
 *   <li>Throttles: a throttled invocation is not a failure: its batch is made visible again at once,
 *       and the poller waits the throttle's hint (at least a second).
 *   <li>Polling: a receive waits up to 20 s for a first message from a source that long-polls (as
 *       {@link MessageQueue} does), so that a message sent to an idle queue goes at once; from one
 *       that does not, an empty answer pauses the poller for its poll interval.
 *   <li>Scaling: 5 pollers at first (fewer if {@code maximumConcurrency} is lower), and each minute
 *       while batches came back full and nothing was throttled, up to 300 more, never past
 *       {@code maximumConcurrency} (2 to 1,000) or the function's reserved concurrency.
 * </ul>
 *
 * <p>Every wait (a long poll, when the queue reads the runtime's clock too; an empty answer's poll
 * interval; a batching window; a throttle's back-off; the scaling minute) is on the runtime's clock, so a {@link dev.faas.api.ManualClock} drives them.
 * {@code close()} stops the pollers once their batches are done; nothing received is lost: what was
 * not deleted comes back.
 */
public final class QueueTrigger implements Trigger {

    /** Lambda's longest batching window: 300 s. */
    public static final Duration MAX_BATCHING_WINDOW = Duration.ofMinutes(5);
    /** Lambda's default batch size for SQS. */
    public static final int DEFAULT_BATCH_SIZE = 10;
    /** How many pollers a mapping starts with. */
    public static final int INITIAL_POLLERS = 5;
    /** How many pollers a mapping adds at most each minute while there is a backlog. */
    public static final int POLLERS_ADDED_PER_MINUTE = 300;
    /** How long a poller pauses after an empty answer from a source that does not long-poll, unless told otherwise. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    /** How long a receive waits for a first message from a source that long-polls: SQS's longest, as Lambda's pollers ask. */
    public static final Duration LONG_POLL = Duration.ofSeconds(20);

    private static final Logger log = LoggerFactory.getLogger(QueueTrigger.class);
    private static final Duration SCALING_PERIOD = Duration.ofMinutes(1);

    private final String name;
    private final QueueSource source;
    private final String function;
    private final int batchSize;
    private final Duration window;
    private final int maximumConcurrency;
    private final boolean reportBatchItemFailures;
    private final Duration pollInterval;
    private final @Nullable MeterRegistry registry;

    private final Object lifecycle = new Object();
    // Guarded by lifecycle:
    private final List<Poller> pollers = new ArrayList<>();
    private final Set<CountDownLatch> waits = new HashSet<>();
    private @Nullable Invoker invoker;
    private @Nullable TimeSource clock;
    private TimeSource.@Nullable Cancellable scaling;
    private int pollerLimit;
    private volatile boolean closed; // written under lifecycle; read by each poller's loop without it
    // Since the last scaling look; written by pollers, read by the scaler:
    private volatile boolean sawFullBatch;
    private volatile boolean sawThrottle;

    /** What became of each batch, counted by outcome when the trigger has a registry. */
    private enum Outcome {
        SUCCESS,
        PARTIAL,
        FAILURE,
        THROTTLED
    }

    private final Map<Outcome, Counter> batches = new EnumMap<>(Outcome.class); // filled once, at start

    private QueueTrigger(Builder builder) {
        this.name = builder.name != null ? builder.name : "queue-" + builder.source.name();
        this.source = builder.source;
        this.function = builder.function;
        this.batchSize = builder.batchSize;
        this.window = builder.window;
        this.maximumConcurrency = builder.maximumConcurrency;
        this.reportBatchItemFailures = builder.reportBatchItemFailures;
        this.pollInterval = builder.pollInterval;
        this.registry = builder.registry;
    }

    /**
     * Starts a mapping from a queue to a function.
     *
     * @param source the queue
     * @param function the function, which takes {@link QueueBatchEvent}
     * @return a builder
     */
    public static Builder builder(QueueSource source, String function) {
        return new Builder(source, function);
    }

    @Override
    public String name() {
        return name;
    }

    /** How many pollers run now. */
    public int pollers() {
        synchronized (lifecycle) {
            return pollers.size();
        }
    }

    /**
     * Checks the function against the mapping, then starts the first pollers.
     *
     * @throws InvalidConfigException if the function is not deployed, or its timeout outlasts the
     *     queue's visibility timeout
     * @throws PayloadTypeException if the function does not take a {@link QueueBatchEvent}, or does
     *     not return a {@link BatchResponse} when batch item failures are reported
     */
    @Override
    public void start(Invoker invoker) {
        Objects.requireNonNull(invoker, "invoker");
        FunctionSpec<?, ?> spec = invoker.describe(function)
                .orElseThrow(() -> new InvalidConfigException(
                        "function",
                        "the queue trigger '" + name + "' names function '" + function
                                + "', which is not deployed: deploy it before adding the trigger"));
        if (!spec.inputType().isAssignableFrom(QueueBatchEvent.class)) {
            throw new PayloadTypeException(
                    function,
                    "the queue trigger '" + name + "' gives function '" + function + "' a QueueBatchEvent, but it"
                            + " takes " + spec.inputType().getName());
        }
        if (reportBatchItemFailures && !BatchResponse.class.isAssignableFrom(spec.outputType())) {
            throw new PayloadTypeException(
                    function,
                    "the queue trigger '" + name + "' reports batch item failures, so function '" + function
                            + "' must return a BatchResponse, but it returns "
                            + spec.outputType().getName());
        }
        Duration timeout = spec.config().timeout();
        if (source.visibilityTimeout().compareTo(timeout) < 0) {
            throw new InvalidConfigException(
                    "visibilityTimeout",
                    "queue '" + source.name() + "' has a visibility timeout of " + source.visibilityTimeout()
                            + ", shorter than function '" + function + "''s timeout of " + timeout
                            + ": a batch would come back while it is still being processed; give the queue a"
                            + " visibility timeout of at least the function's timeout (Lambda asks for six times)");
        }
        int reserved = spec.config().reservedConcurrency().orElse(Integer.MAX_VALUE);
        synchronized (lifecycle) {
            if (this.invoker != null || closed) {
                throw new IllegalStateException("the queue trigger '" + name + "' was "
                        + (closed ? "closed" : "started") + " before: build a new one");
            }
            this.invoker = invoker;
            this.clock = invoker.clock();
            this.pollerLimit = Math.max(1, Math.min(maximumConcurrency, reserved));
            if (registry != null) {
                for (Outcome outcome : Outcome.values()) {
                    batches.put(outcome, counter(registry, outcome));
                }
            }
            addPollers(Math.min(INITIAL_POLLERS, pollerLimit));
            scaling = clock.schedule(SCALING_PERIOD, this::scale);
        }
        log.info(
                "faas: queue trigger '{}' polls queue '{}' for function '{}' ({} pollers, batches of up to {})",
                name,
                source.name(),
                function,
                pollers(),
                batchSize);
    }

    private Counter counter(MeterRegistry registry, Outcome outcome) {
        return Counter.builder("faas.queue.batches")
                .description("Batches a queue trigger handed its function, by outcome")
                .tags(
                        "trigger",
                        name,
                        "queue",
                        source.name(),
                        "function",
                        function,
                        "outcome",
                        outcome.name().toLowerCase(Locale.ROOT))
                .register(registry);
    }

    /** Guarded by lifecycle. */
    private void addPollers(int count) {
        Invoker calls = Objects.requireNonNull(invoker);
        for (int i = 0; i < count; i++) {
            Poller poller = new Poller(calls.threadFactory());
            pollers.add(poller);
            poller.thread.start();
        }
    }

    /** Each minute: more pollers while batches come back full and nothing is throttled. */
    private void scale() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            if (sawFullBatch && !sawThrottle && pollers.size() < pollerLimit) {
                addPollers(Math.min(POLLERS_ADDED_PER_MINUTE, pollerLimit - pollers.size()));
            }
            sawFullBatch = false;
            sawThrottle = false;
            scaling = Objects.requireNonNull(clock).schedule(SCALING_PERIOD, this::scale);
        }
    }

    private void poll(Poller self) {
        try {
            while (!isClosed()) {
                List<ReceivedMessage> batch = gather(self);
                if (!batch.isEmpty()) {
                    deliver(batch);
                } else if (!source.longPolls()) {
                    await(pollInterval);
                }
            }
        } catch (InterruptedException closing) {
            // close() ended a wait in which nothing had been received
        } catch (RuntimeException unexpected) {
            log.error("faas: a poller of queue trigger '{}' failed and stops", name, unexpected);
        } finally {
            synchronized (lifecycle) { // so that pollers() counts the living, and scaling may replace it
                pollers.remove(self);
            }
        }
    }

    /**
     * A batch: what one receive gives (waiting up to 20 s for a first message), or with a batching
     * window, what comes until it is full or the window ends. A close in the window delivers what
     * has come.
     */
    private List<ReceivedMessage> gather(Poller self) throws InterruptedException {
        Duration visibility = source.visibilityTimeout();
        List<ReceivedMessage> batch = new ArrayList<>(self.receive(batchSize, visibility, LONG_POLL));
        if (batch.isEmpty() || window.isZero()) {
            return batch;
        }
        TimeSource time = Objects.requireNonNull(clock);
        long end = time.nanoTime() + window.toNanos();
        try {
            while (batch.size() < batchSize && !isClosed()) {
                long left = end - time.nanoTime();
                if (left <= 0) {
                    break;
                }
                // at most a poll interval a step: a source on a clock of its own overruns the window little
                Duration step = Duration.ofNanos(Math.min(left, pollInterval.toNanos()));
                List<ReceivedMessage> more = self.receive(batchSize - batch.size(), visibility, step);
                if (more.isEmpty() && !source.longPolls()) {
                    await(step);
                }
                batch.addAll(more);
            }
        } catch (InterruptedException closing) {
            // deliver what has come
        }
        return batch;
    }

    /** A poller: its thread, and whether close may interrupt it, which it may only while it waits in a receive. */
    private final class Poller implements Runnable {
        final Thread thread;
        private boolean receiving; // guarded by this

        Poller(ThreadFactory threads) {
            this.thread = threads.newThread(this);
        }

        @Override
        public void run() {
            poll(this);
        }

        List<ReceivedMessage> receive(int max, Duration visibility, Duration wait) throws InterruptedException {
            synchronized (this) {
                if (closed) {
                    return List.of();
                }
                receiving = true;
            }
            try {
                return source.receive(max, visibility, wait);
            } finally {
                synchronized (this) {
                    receiving = false;
                }
                if (closed && Thread.interrupted()) { // close's, come as the receive returned
                    log.debug("faas: queue trigger '{}': a poller's batch still goes as it closes", name);
                }
            }
        }

        /** Ends the wait in a receive, if it is in one that waits: a source that does not wait may not expect interrupts. */
        void stop() {
            synchronized (this) {
                if (receiving && source.longPolls()) {
                    thread.interrupt();
                }
            }
        }
    }

    private void deliver(List<ReceivedMessage> batch) throws InterruptedException {
        if (batch.size() >= batchSize) {
            sawFullBatch = true;
        }
        List<QueueBatchEvent.Message> messages = new ArrayList<>(batch.size());
        for (ReceivedMessage message : batch) {
            messages.add(new QueueBatchEvent.Message(
                    message.messageId(),
                    message.body(),
                    message.attributes(),
                    message.receiveCount(),
                    message.sentTimestamp()));
        }
        Object output;
        try {
            output = Objects.requireNonNull(invoker).invoke(function, new QueueBatchEvent(source.name(), messages));
        } catch (ThrottledException throttle) {
            sawThrottle = true;
            count(Outcome.THROTTLED);
            for (ReceivedMessage message : batch) { // not a failure: back for another poller now
                source.changeVisibility(message.receiptHandle(), Duration.ZERO);
            }
            Duration hint = throttle.retryAfter();
            await(hint.compareTo(Duration.ofSeconds(1)) > 0 ? hint : Duration.ofSeconds(1));
            return;
        } catch (FaasException failure) {
            count(Outcome.FAILURE);
            log.debug("faas: queue trigger '{}': a batch of {} failed; it comes back", name, batch.size(), failure);
            return; // the whole batch comes back after its visibility timeout
        }
        Set<String> failedIds = reportBatchItemFailures ? failedIds(output, batch) : Set.of();
        if (failedIds == null) {
            count(Outcome.FAILURE);
            return;
        }
        if (source.fifo() && !failedIds.isEmpty()) {
            failedIds = withLaterInTheirGroups(failedIds, batch);
        }
        List<String> done = new ArrayList<>(batch.size());
        for (ReceivedMessage message : batch) {
            if (!failedIds.contains(message.messageId())) {
                done.add(message.receiptHandle());
            }
        }
        source.deleteBatch(done);
        count(failedIds.isEmpty() ? Outcome.SUCCESS : Outcome.PARTIAL);
    }

    /** The ids a {@link BatchResponse} names, or null when it names one not in the batch (or an empty one). */
    private @Nullable Set<String> failedIds(@Nullable Object output, List<ReceivedMessage> batch) {
        if (output == null) {
            return Set.of();
        }
        Set<String> inBatch = new HashSet<>();
        for (ReceivedMessage message : batch) {
            inBatch.add(message.messageId());
        }
        Set<String> failedIds = new HashSet<>();
        for (BatchResponse.BatchItemFailure failure : ((BatchResponse) output).batchItemFailures()) {
            String id = failure.itemIdentifier();
            if (id.isEmpty() || !inBatch.contains(id)) {
                log.warn(
                        "faas: queue trigger '{}': function '{}' reported the failure of '{}', which is not in its"
                                + " batch: the whole batch comes back",
                        name,
                        function,
                        id);
                return null;
            }
            failedIds.add(id);
        }
        return failedIds;
    }

    /** On a FIFO queue, a failed message keeps its group's later messages in the batch too: they come back after it. */
    private static Set<String> withLaterInTheirGroups(Set<String> failedIds, List<ReceivedMessage> batch) {
        Set<String> stoppedGroups = new HashSet<>();
        Set<String> kept = new HashSet<>(failedIds);
        for (ReceivedMessage message : batch) {
            String group = message.messageGroupId().orElse(message.messageId());
            if (stoppedGroups.contains(group)) {
                kept.add(message.messageId());
            } else if (failedIds.contains(message.messageId())) {
                stoppedGroups.add(group);
            }
        }
        return kept;
    }

    private void count(Outcome outcome) {
        Counter counter = batches.get(outcome);
        if (counter != null) {
            counter.increment();
        }
    }

    /** Waits {@code wait} on the runtime's clock, or until close. */
    private void await(Duration wait) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        TimeSource.Cancellable timer;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            waits.add(done);
            timer = Objects.requireNonNull(clock).schedule(wait, done::countDown);
        }
        try {
            done.await();
        } finally {
            timer.cancel();
            synchronized (lifecycle) {
                waits.remove(done);
            }
        }
    }

    private boolean isClosed() {
        return closed;
    }

    /**
     * Stops the pollers: each finishes the batch it holds (what it does not delete comes back), and
     * close returns once they have, or after 30 s of real time.
     */
    @Override
    public void close() {
        List<Poller> stopping;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            if (scaling != null) {
                scaling.cancel();
            }
            waits.forEach(CountDownLatch::countDown);
            stopping = List.copyOf(pollers);
        }
        stopping.forEach(Poller::stop);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Poller poller : stopping) {
            try {
                long left = deadline - System.nanoTime();
                if (left > 0 && !poller.thread.join(Duration.ofNanos(left))) {
                    log.warn("faas: queue trigger '{}': a poller is still delivering a batch after 30 s", name);
                }
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "queue trigger '" + name + "' (queue '" + source.name() + "' to function '" + function + "')";
    }

    /** Builds a {@link QueueTrigger}; each setter checks its value against Lambda's range for it. */
    public static final class Builder {
        private final QueueSource source;
        private final String function;
        private @Nullable String name;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private Duration window = Duration.ZERO;
        private int maximumConcurrency = 1000;
        private boolean reportBatchItemFailures;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private @Nullable MeterRegistry registry;

        private Builder(QueueSource source, String function) {
            this.source = Objects.requireNonNull(source, "source");
            if (function == null || function.isBlank()) {
                throw new IllegalArgumentException("a queue trigger needs the name of the function it invokes");
            }
            this.function = function;
        }

        /**
         * The trigger's name, for logs and meters. Default {@code queue-<queue name>}.
         *
         * @param name not blank
         * @return this builder
         */
        public Builder name(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a queue trigger's name must not be blank");
            }
            this.name = name;
            return this;
        }

        /**
         * The most messages a batch holds. Default 10.
         *
         * @param size 1 to 10,000; at most 10 for a FIFO queue; above 10 only with a batching window
         * @return this builder
         */
        public Builder batchSize(int size) {
            this.batchSize = size;
            return this;
        }

        /**
         * How long to gather a batch before it is handed over not full. Default 0.
         *
         * @param window 0 to 300 s; none for a FIFO queue
         * @return this builder
         */
        public Builder maximumBatchingWindow(Duration window) {
            this.window = Objects.requireNonNull(window, "window");
            return this;
        }

        /**
         * The most batches in flight at once, as Lambda's ScalingConfig. Default 1,000.
         *
         * @param concurrency 2 to 1,000
         * @return this builder
         */
        public Builder maximumConcurrency(int concurrency) {
            this.maximumConcurrency = concurrency;
            return this;
        }

        /**
         * Whether the function reports the failed messages of a batch with a {@link BatchResponse}.
         * Default false: a failed invocation returns the whole batch.
         *
         * @param report true to report batch item failures
         * @return this builder
         */
        public Builder reportBatchItemFailures(boolean report) {
            this.reportBatchItemFailures = report;
            return this;
        }

        /**
         * How long a poller pauses after an empty answer from a source that does not
         * {@linkplain QueueSource#longPolls() long-poll} before it asks again, and the longest step
         * of a batching window's wait. Default 1 s.
         *
         * @param interval 1 ms to 20 s (SQS's longest long poll)
         * @return this builder
         */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /**
         * Where the trigger's meters go ({@code faas.queue.batches}, tagged by outcome). Default: none.
         *
         * @param registry a registry
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Builds the trigger, checking the settings together as Lambda does.
         *
         * @return the trigger
         * @throws IllegalArgumentException naming the setting and its range
         */
        public QueueTrigger build() {
            String what = "queue trigger of queue '" + source.name() + "'";
            if (batchSize < 1 || batchSize > 10_000) {
                throw new IllegalArgumentException(what + ": batchSize is 1 to 10000, but was " + batchSize);
            }
            if (source.fifo() && batchSize > 10) {
                throw new IllegalArgumentException(
                        what + ": batchSize is at most 10 for a FIFO queue, but was " + batchSize);
            }
            if (window.isNegative() || window.compareTo(MAX_BATCHING_WINDOW) > 0) {
                throw new IllegalArgumentException(what + ": maximumBatchingWindow is 0 to 300 s, but was " + window);
            }
            if (source.fifo() && !window.isZero()) {
                throw new IllegalArgumentException(what + ": a FIFO queue takes no maximumBatchingWindow");
            }
            if (batchSize > 10 && window.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException(what + ": a batchSize above 10 (" + batchSize
                        + ") needs a maximumBatchingWindow of at least 1 s, but it was " + window);
            }
            if (maximumConcurrency < 2 || maximumConcurrency > 1000) {
                throw new IllegalArgumentException(
                        what + ": maximumConcurrency is 2 to 1000, but was " + maximumConcurrency);
            }
            if (pollInterval.compareTo(Duration.ofMillis(1)) < 0
                    || pollInterval.compareTo(Duration.ofSeconds(20)) > 0) {
                throw new IllegalArgumentException(what + ": pollInterval is 1 ms to 20 s, but was " + pollInterval);
            }
            return new QueueTrigger(this);
        }
    }
}
