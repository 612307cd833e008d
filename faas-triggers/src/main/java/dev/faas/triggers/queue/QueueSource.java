package dev.faas.triggers.queue;

import java.time.Duration;
import java.util.List;

/**
 * What a {@link QueueTrigger} reads: any queue with SQS's receive, delete and change-visibility
 * contract. {@link MessageQueue} is one; a host's broker client can be another.
 */
public interface QueueSource {

    /** The queue's name, for events, logs and meters. */
    String name();

    /** Whether messages come in groups, each in order (SQS FIFO): the trigger then stops a group at its first failure. */
    default boolean fifo() {
        return false;
    }

    /** How long a received message stays hidden by default: the trigger checks it outlasts the function's timeout. */
    Duration visibilityTimeout();

    /**
     * Receives up to {@code max} visible messages, hiding each for {@code visibility}; never waits.
     *
     * @param max how many at most, 1 or more
     * @param visibility how long each is hidden
     * @return the messages, in order; empty when none is visible
     */
    List<ReceivedMessage> receive(int max, Duration visibility);

    /**
     * Receives as {@link #receive(int, Duration)} does, but when none is visible waits up to
     * {@code wait} for one, as SQS's long polling does. The trigger asks with {@code wait} 20 s and
     * ends the wait with an interrupt when it closes. By default this does not wait: then
     * {@link #longPolls()} is false, and the trigger pauses its poll interval after an empty answer.
     *
     * @param max how many at most, 1 or more
     * @param visibility how long each is hidden
     * @param wait how long to wait for a first message
     * @return the messages, in order; empty when none came in {@code wait}
     * @throws InterruptedException when interrupted while waiting, with nothing received
     */
    default List<ReceivedMessage> receive(int max, Duration visibility, Duration wait) throws InterruptedException {
        return receive(max, visibility);
    }

    /** Whether {@link #receive(int, Duration, Duration)} waits for messages. By default false. */
    default boolean longPolls() {
        return false;
    }

    /**
     * Deletes a received message.
     *
     * @param receiptHandle the handle its latest receive returned
     * @return whether a message was deleted
     */
    boolean delete(String receiptHandle);

    /**
     * Deletes received messages in one call, as SQS's DeleteMessageBatch: the trigger deletes what a
     * batch got through this way. By default, one {@link #delete} each.
     *
     * @param receiptHandles the handles their latest receives returned
     * @return how many were deleted
     */
    default int deleteBatch(List<String> receiptHandles) {
        int deleted = 0;
        for (String receiptHandle : receiptHandles) {
            if (delete(receiptHandle)) {
                deleted++;
            }
        }
        return deleted;
    }

    /**
     * Changes how long a received message stays hidden, from now.
     *
     * @param receiptHandle the handle its latest receive returned
     * @param visibility zero to show it now
     * @return whether the message was in flight under that handle
     */
    boolean changeVisibility(String receiptHandle, Duration visibility);
}
