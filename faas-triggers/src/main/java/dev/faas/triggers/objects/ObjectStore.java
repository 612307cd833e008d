package dev.faas.triggers.objects;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Where objects live, for an {@link ObjectTrigger} and the functions it calls: a bucket, a
 * directory ({@link DirectoryStore}), or a host's own client of an object store. Keys are
 * '/'-separated paths, checked as {@link ObjectKeys#check} does. Thread-safe.
 */
public interface ObjectStore {

    /** The store's name: the bucket in events, logs and meters. */
    String name();

    /**
     * The objects whose keys start with {@code prefix}, in key order, as S3's ListObjectsV2 gives
     * them.
     *
     * @param prefix a key prefix; empty for all
     * @return what the store holds there
     * @throws IOException if the store cannot be listed
     */
    List<ObjectInfo> list(String prefix) throws IOException;

    /**
     * One object's info, as S3's HeadObject gives it.
     *
     * @param key its key
     * @return its info, or empty if there is no such object
     * @throws IOException if the store cannot be read
     */
    Optional<ObjectInfo> stat(String key) throws IOException;

    /**
     * Opens an object's content.
     *
     * @param key its key
     * @return a stream the caller closes
     * @throws java.nio.file.NoSuchFileException if there is no such object
     * @throws IOException if it cannot be read
     */
    InputStream open(String key) throws IOException;

    /**
     * An object's whole content.
     *
     * @param key its key
     * @return what it holds
     * @throws java.nio.file.NoSuchFileException if there is no such object
     * @throws IOException if it cannot be read
     */
    default byte[] read(String key) throws IOException {
        try (InputStream in = open(key)) {
            return in.readAllBytes();
        }
    }

    /**
     * Writes an object whole: readers see the old content or the new, never a part.
     *
     * @param key its key
     * @param content what it holds
     * @return its info
     * @throws InvalidKeyException if the key is not one the store takes
     * @throws IOException if it cannot be written
     */
    ObjectInfo put(String key, byte[] content) throws IOException;

    /**
     * Removes an object.
     *
     * @param key its key
     * @return whether there was one
     * @throws IOException if it cannot be removed
     */
    boolean delete(String key) throws IOException;

    /**
     * Tells {@code listener} of changes as they happen, when the store can: hints only, which may be
     * lost (the trigger's reconcile scans find what they miss). By default the store cannot, and
     * the trigger relies on its scans.
     *
     * @param listener what to tell
     * @return what stops the watch
     * @throws IOException if the watch cannot start
     */
    default AutoCloseable watch(Listener listener) throws IOException {
        return () -> {};
    }

    /** Hears a store's changes. Called on the store's watch thread: quick, and without blocking. */
    interface Listener {

        /**
         * Something may have changed at {@code key}: written, still being written, or removed.
         *
         * @param key the key
         */
        void changed(String key);

        /** Changes were lost (the watch overflowed, or a directory was moved in whole): look at everything. */
        void lost();
    }
}
