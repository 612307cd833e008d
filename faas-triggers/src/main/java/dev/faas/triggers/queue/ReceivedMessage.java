package dev.faas.triggers.queue;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A message as a receive returns it.
 *
 * @param messageId its id, the same on every receive (and in a dead-letter queue)
 * @param receiptHandle what deletes it or changes its visibility: this receive's, stale after the next
 * @param body its body
 * @param attributes its attributes
 * @param receiveCount how many times it has been received, this time included (SQS's
 *     ApproximateReceiveCount)
 * @param sentTimestamp when it was sent
 * @param firstReceiveTimestamp when it was first received
 * @param messageGroupId its group, on a FIFO queue
 */
public record ReceivedMessage(
        String messageId,
        String receiptHandle,
        String body,
        Map<String, String> attributes,
        int receiveCount,
        Instant sentTimestamp,
        Instant firstReceiveTimestamp,
        Optional<String> messageGroupId) {

    /** Checks that no component is null, and copies the attributes. */
    public ReceivedMessage {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(receiptHandle, "receiptHandle");
        Objects.requireNonNull(body, "body");
        attributes = Map.copyOf(attributes);
        Objects.requireNonNull(sentTimestamp, "sentTimestamp");
        Objects.requireNonNull(firstReceiveTimestamp, "firstReceiveTimestamp");
        Objects.requireNonNull(messageGroupId, "messageGroupId");
    }
}
