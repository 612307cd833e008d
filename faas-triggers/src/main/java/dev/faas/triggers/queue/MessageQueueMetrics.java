package dev.faas.triggers.queue;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * A queue's meters, tagged {@code queue}, as SQS's CloudWatch metrics have them:
 * {@code faas.queue.messages.visible} (ApproximateNumberOfMessagesVisible),
 * {@code faas.queue.messages.in.flight} (ApproximateNumberOfMessagesNotVisible),
 * {@code faas.queue.messages.delayed}, {@code faas.queue.oldest.message.age} in seconds
 * (ApproximateAgeOfOldestMessage; each read walks the queue, the others read counters), and the counters
 * {@code faas.queue.messages.dead.lettered} and {@code faas.queue.messages.expired}.
 *
 * <pre>{@code new MessageQueueMetrics(queue).bindTo(registry);}</pre>
 */
public final class MessageQueueMetrics implements MeterBinder {

    private final MessageQueue queue;

    public MessageQueueMetrics(MessageQueue queue) {
        this.queue = Objects.requireNonNull(queue, "queue");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags tags = Tags.of("queue", queue.name());
        Gauge.builder("faas.queue.messages.visible", queue, q -> q.stats(false).visible())
                .description("Messages a receive would return now")
                .tags(tags)
                .register(registry);
        Gauge.builder(
                        "faas.queue.messages.in.flight",
                        queue,
                        q -> q.stats(false).inFlight())
                .description("Messages received and neither deleted nor visible again")
                .tags(tags)
                .register(registry);
        Gauge.builder("faas.queue.messages.delayed", queue, q -> q.stats(false).delayed())
                .description("Messages sent with a delay that has not passed")
                .tags(tags)
                .register(registry);
        Gauge.builder(
                        "faas.queue.oldest.message.age",
                        queue,
                        q -> q.stats().oldestAge().toMillis() / 1000.0)
                .description("The age of the oldest message held")
                .baseUnit("seconds")
                .tags(tags)
                .register(registry);
        FunctionCounter.builder(
                        "faas.queue.messages.dead.lettered",
                        queue,
                        q -> q.stats(false).deadLettered())
                .description("Messages moved to the dead-letter queue")
                .tags(tags)
                .register(registry);
        FunctionCounter.builder(
                        "faas.queue.messages.expired",
                        queue,
                        q -> q.stats(false).expired())
                .description("Messages dropped for being older than the retention period")
                .tags(tags)
                .register(registry);
    }
}
