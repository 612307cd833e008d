package dev.faas.api.events;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A batch of messages from a queue, as a queue trigger delivers it.
 *
 * @param queue the queue's name
 * @param messages the messages, in the queue's order
 */
public record QueueBatchEvent(String queue, List<Message> messages) {

    /** Checks that no component is null, and copies the messages. */
    public QueueBatchEvent {
        Objects.requireNonNull(queue, "queue");
        messages = List.copyOf(messages);
    }

    /**
     * One message of a batch.
     *
     * @param messageId the message's id, unique in its queue
     * @param body its body
     * @param attributes its attributes
     * @param receiveCount how many times it has been delivered, this time included
     * @param sentTimestamp when it was sent to the queue
     */
    public record Message(
            String messageId, String body, Map<String, String> attributes, int receiveCount, Instant sentTimestamp) {

        /** Checks that no component is null, and copies the attributes. */
        public Message {
            Objects.requireNonNull(messageId, "messageId");
            Objects.requireNonNull(body, "body");
            attributes = Map.copyOf(attributes);
            Objects.requireNonNull(sentTimestamp, "sentTimestamp");
        }
    }
}
