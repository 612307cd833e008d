package dev.faas.api.events;

import java.time.Instant;
import java.util.Objects;

/**
 * An object gone from a store, as an object trigger delivers it when asked to: S3's
 * {@code ObjectRemoved} notification.
 *
 * @param bucket the store
 * @param key the object's key
 * @param etag the etag of the version that was removed, as last delivered
 * @param sequencer orders the events of one key, as in {@link ObjectCreatedEvent}
 * @param eventTime when the removal was seen
 */
public record ObjectRemovedEvent(String bucket, String key, String etag, String sequencer, Instant eventTime) {

    /** Checks that no component is null. */
    public ObjectRemovedEvent {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(etag, "etag");
        Objects.requireNonNull(sequencer, "sequencer");
        Objects.requireNonNull(eventTime, "eventTime");
    }
}
