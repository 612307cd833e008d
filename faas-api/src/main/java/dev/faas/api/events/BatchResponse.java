package dev.faas.api.events;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a function reading a queue returns to report the messages of its batch that failed, as
 * Lambda's {@code {"batchItemFailures":[{"itemIdentifier":id}]}}: only those come back; the rest
 * are deleted. An empty list (or a null output) means every message succeeded.
 *
 * @param batchItemFailures the failed messages, by id
 */
public record BatchResponse(List<BatchItemFailure> batchItemFailures) {

    /** Checks that the list is not null, and copies it. */
    public BatchResponse {
        batchItemFailures = List.copyOf(batchItemFailures);
    }

    /**
     * The response that reports these messages as failed.
     *
     * @param messageIds the failed messages' ids
     * @return the response
     */
    public static BatchResponse failed(String... messageIds) {
        return new BatchResponse(
                Arrays.stream(messageIds).map(BatchItemFailure::new).toList());
    }

    /**
     * One failed message.
     *
     * @param itemIdentifier the message's id
     */
    public record BatchItemFailure(String itemIdentifier) {

        /** Checks that the id is not null. */
        public BatchItemFailure {
            Objects.requireNonNull(itemIdentifier, "itemIdentifier");
        }
    }
}
