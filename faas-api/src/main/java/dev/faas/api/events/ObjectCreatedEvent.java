package dev.faas.api.events;

import java.time.Instant;
import java.util.Objects;

/**
 * A new object, or a new version of one, in a store (a file in a watched directory, an object in a
 * bucket), as an object trigger delivers it: S3's {@code ObjectCreated} notification.
 *
 * @param bucket the store: a bucket's name, or the watched directory's
 * @param key the object's key: its path in the store, '/'-separated
 * @param size its size in bytes
 * @param etag a hash of its content (the MD5 in hex, as S3's for an object put in one part): a new
 *     etag is a new version
 * @param sequencer orders the events of one key: a later event has a greater one (compare as
 *     strings of equal length, as S3's)
 * @param eventTime when it was written
 */
public record ObjectCreatedEvent(
        String bucket, String key, long size, String etag, String sequencer, Instant eventTime) {

    /** Checks that no component is null and the size is not negative. */
    public ObjectCreatedEvent {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(etag, "etag");
        Objects.requireNonNull(sequencer, "sequencer");
        Objects.requireNonNull(eventTime, "eventTime");
        if (size < 0) {
            throw new IllegalArgumentException("an object's size must not be negative, but was " + size);
        }
    }
}
