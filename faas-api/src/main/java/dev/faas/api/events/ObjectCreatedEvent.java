package dev.faas.api.events;

import java.time.Instant;
import java.util.Objects;

/**
 * A new object in a store (a file in a watched directory, an object in a bucket), as an object
 * trigger delivers it.
 *
 * @param bucket the store: a bucket's name, or the watched directory
 * @param key the object's key or file name in it
 * @param size its size in bytes
 * @param eventTime when it was created
 */
public record ObjectCreatedEvent(String bucket, String key, long size, Instant eventTime) {

    /** Checks that no component is null and the size is not negative. */
    public ObjectCreatedEvent {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(eventTime, "eventTime");
        if (size < 0) {
            throw new IllegalArgumentException("an object's size must not be negative, but was " + size);
        }
    }
}
