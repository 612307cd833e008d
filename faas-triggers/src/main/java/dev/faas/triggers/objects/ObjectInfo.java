package dev.faas.triggers.objects;

import java.time.Instant;
import java.util.Objects;

/**
 * What a store knows of an object without reading it, as S3's listing gives it.
 *
 * @param key its key
 * @param size its size in bytes
 * @param etag a hash of its content: the MD5 in hex (S3's for an object put in one part)
 * @param lastModified when it was last written
 */
public record ObjectInfo(String key, long size, String etag, Instant lastModified) {

    /** Checks that no component is null and the size is not negative. */
    public ObjectInfo {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(etag, "etag");
        Objects.requireNonNull(lastModified, "lastModified");
        if (size < 0) {
            throw new IllegalArgumentException("an object's size must not be negative, but was " + size);
        }
    }
}
