package dev.faas.triggers.objects;

import dev.faas.triggers.internal.Digests;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.AccessDeniedException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory as an object store: a key is a file's path under the root, '/'-separated. Only
 * regular files are objects: symbolic links are not followed (a link is not an object, and a key
 * whose directories lead out of the root through one is refused), and names that start with
 * {@code .} are the store's own (its temporary files, a trigger's state) or hidden, and never
 * objects. {@link #put} writes a temporary file beside the target and moves it into place
 * atomically, so that no reader sees half of it. An etag is the MD5 of the content, kept while the
 * file's size, modification time and inode stay the same. A file that cannot be read is left out of
 * listings, with one WARN for each version of it and a count ({@code faas.objects.unreadable}).
 * Watching uses the platform's {@link WatchService} on every directory, whose events are hints:
 * overflow and directories moved in whole are reported as lost, for a scan to find.
 */
public final class DirectoryStore implements ObjectStore {

    private static final Logger log = LoggerFactory.getLogger(DirectoryStore.class);
    private static final String TEMPORARY_PREFIX = ".faas-put-";
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final Path root;
    private final Path realRoot;
    private final Map<String, Hashed> etags = new ConcurrentHashMap<>();
    private final Map<String, String> warned = new ConcurrentHashMap<>(); // key: the version last warned of
    private final AtomicLong unreadable = new AtomicLong();
    private final @Nullable Counter unreadableCounter;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Object watching = new Object();
    private @Nullable Watch watch; // guarded by watching: while any listener is

    private DirectoryStore(Builder builder) throws IOException {
        this.root = builder.root.toAbsolutePath().normalize();
        Files.createDirectories(root);
        this.realRoot = root.toRealPath();
        Path fileName = root.getFileName();
        this.name = builder.name != null ? builder.name : fileName != null ? fileName.toString() : "root";
        this.unreadableCounter = builder.registry == null
                ? null
                : Counter.builder("faas.objects.unreadable")
                        .description("Files of a directory store that could not be read, once per version")
                        .tag("store", name)
                        .register(builder.registry);
    }

    /**
     * A store on {@code root}, created if it does not exist, named after it.
     *
     * @param root the directory
     * @return the store
     * @throws IOException if the directory cannot be made or read
     */
    public static DirectoryStore open(Path root) throws IOException {
        return builder(root).build();
    }

    /**
     * Starts a store on {@code root}.
     *
     * @param root the directory
     * @return a builder
     */
    public static Builder builder(Path root) {
        return new Builder(root);
    }

    @Override
    public String name() {
        return name;
    }

    /** The directory. */
    public Path root() {
        return root;
    }

    /** How many file versions could not be read since the store was opened. */
    public long unreadable() {
        return unreadable.get();
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        ObjectKeys.checkPrefix(prefix);
        if (!Files.isDirectory(root)) { // gone, or unmounted: not "every object removed"
            throw new NoSuchFileException(root.toString(), null, "the directory of store '" + name + "' is not there");
        }
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        if (!Files.isDirectory(start, LinkOption.NOFOLLOW_LINKS) || !insideRoot(start)) {
            return List.of();
        }
        List<ObjectInfo> found = new ArrayList<>();
        Set<String> present = new HashSet<>(); // every file under the prefix, read or not
        Files.walkFileTree(start, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                return dir.equals(start) || !hidden(dir) ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (!attributes.isRegularFile() || hidden(file)) {
                    return FileVisitResult.CONTINUE; // a link, a device, a temporary or hidden file
                }
                String key = keyOf(file);
                if (key.startsWith(prefix)) {
                    present.add(key);
                    ObjectInfo info = root.resolve(key).equals(file) // else its name is not text a key can hold
                            ? describe(key, file, attributes)
                            : notAKey(key);
                    if (info != null) {
                        found.add(info);
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException failure) {
                if (!(failure instanceof NoSuchFileException)) { // else gone while listed
                    present.add(keyOf(file));
                    warnUnreadable(keyOf(file), "", failure);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        found.sort(Comparator.comparing(ObjectInfo::key, DirectoryStore::compareAsUtf8));
        // forget what was known of files gone (by other hands than delete's): their etags, their warnings
        etags.keySet().removeIf(key -> key.startsWith(prefix) && !present.contains(key));
        warned.keySet().removeIf(key -> key.startsWith(prefix) && !present.contains(key));
        return found;
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        Path file = resolve(key);
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        }
        if (!attributes.isRegularFile() || !insideRoot(file.getParent())) {
            return Optional.empty();
        }
        return Optional.ofNullable(describe(key, file, attributes));
    }

    @Override
    public InputStream open(String key) throws IOException {
        Path file = resolve(key);
        if (!insideRoot(file.getParent())) {
            throw new NoSuchFileException(key, null, "it leads out of the store through a symbolic link");
        }
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(key, null, "not an object: a symbolic link, or not a regular file");
        }
        return Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS); // a link made since still fails
    }

    @Override
    public ObjectInfo put(String key, byte[] content) throws IOException {
        Objects.requireNonNull(content, "content");
        Path file = resolve(key);
        Path dir = Objects.requireNonNull(file.getParent());
        Path existing = dir;
        while (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS) && !existing.equals(root)) {
            existing = Objects.requireNonNull(existing.getParent());
        }
        if (!insideRoot(existing)) { // checked before anything is made, so that nothing is made outside
            throw new InvalidKeyException(key, "it leads out of the store through a symbolic link");
        }
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidKeyException(
                    key,
                    "other objects' keys start with '" + key + "/': S3 holds both, but a"
                            + " directory store cannot hold a file and a directory of one name");
        }
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException notADirectory) {
            throw new InvalidKeyException(
                    key,
                    "'" + keyOf(Path.of(notADirectory.getFile())) + "' is an object: S3 holds"
                            + " both, but a directory store cannot hold a file and a directory of one name");
        }
        if (!insideRoot(dir)) { // a link made meanwhile
            throw new InvalidKeyException(key, "it leads out of the store through a symbolic link");
        }
        Path temporary = dir.resolve(TEMPORARY_PREFIX + UUID.randomUUID());
        BasicFileAttributes attributes;
        @Nullable Object changed;
        try {
            try (OutputStream out = Files.newOutputStream(temporary)) {
                out.write(content);
            }
            // read before the move, which keeps them: after it, another writer's file may be there
            attributes = Files.readAttributes(temporary, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            changed = changeTime(temporary);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
        String etag = Digests.md5(content);
        etags.put(key, new Hashed(attributes, changed, etag));
        return new ObjectInfo(
                key, content.length, etag, attributes.lastModifiedTime().toInstant());
    }

    @Override
    public boolean delete(String key) throws IOException {
        Path file = resolve(key);
        if (!insideRoot(file.getParent())
                || Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)
                || Files.isSymbolicLink(file)) {
            return false;
        }
        etags.remove(key);
        return Files.deleteIfExists(file);
    }

    /**
     * Watches the root and every directory under it until closed: one {@link WatchService} and one
     * virtual thread for all of this store's listeners, since the platform allows few (inotify: 128
     * instances per user by default).
     */
    @Override
    public AutoCloseable watch(Listener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        synchronized (watching) {
            if (watch == null) {
                watch = new Watch();
            }
            listeners.add(listener);
        }
        AtomicBoolean stopped = new AtomicBoolean();
        return () -> {
            if (stopped.compareAndSet(false, true)) {
                unwatch(listener);
            }
        };
    }

    private void unwatch(Listener listener) throws IOException, InterruptedException {
        Watch last;
        synchronized (watching) {
            listeners.remove(listener);
            if (!listeners.isEmpty() || watch == null) {
                return;
            }
            last = watch;
            watch = null;
        }
        last.close();
    }

    /** The store's watch: its service, its thread, and where each watched directory is now. */
    private final class Watch {
        private final WatchService service;
        // A directory renamed keeps its key (inotify watches the inode): its path is where it was last made.
        private final Map<WatchKey, Path> dirs = new ConcurrentHashMap<>();
        private final Thread thread;

        Watch() throws IOException {
            service = root.getFileSystem().newWatchService();
            try {
                register(root);
            } catch (IOException failure) {
                service.close();
                throw failure;
            }
            thread = Thread.ofVirtual().name("faas-watch-" + name).start(this::forward);
        }

        void close() throws IOException, InterruptedException {
            service.close();
            thread.join();
        }

        private void forward() {
            try {
                while (true) {
                    WatchKey watchKey = service.take();
                    Path dir = dirs.getOrDefault(watchKey, (Path) watchKey.watchable());
                    for (WatchEvent<?> event : watchKey.pollEvents()) {
                        if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                            listeners.forEach(Listener::lost);
                            continue;
                        }
                        Path child = dir.resolve((Path) event.context());
                        if (hidden(child)) {
                            continue;
                        }
                        if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE
                                && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                            registerQuietly(child);
                            listeners.forEach(Listener::lost); // what it held before it was watched made no events
                        } else if (event.kind() == StandardWatchEventKinds.ENTRY_DELETE && dirs.containsValue(child)) {
                            listeners.forEach(Listener::lost); // a directory moved out or removed, its files with it
                        } else {
                            String key = keyOf(child);
                            listeners.forEach(listener -> listener.changed(key));
                        }
                    }
                    if (!watchKey.reset()) { // the directory is gone
                        dirs.remove(watchKey);
                    }
                }
            } catch (InterruptedException | ClosedWatchServiceException closed) {
                // the watch was closed
            } catch (RuntimeException unexpected) {
                log.error("faas: the watch on directory store '{}' failed and stops; scans go on", name, unexpected);
            }
        }

        private void registerQuietly(Path dir) {
            try {
                register(dir);
            } catch (IOException failure) {
                log.warn("faas: directory store '{}' cannot watch {}; scans still find its files", name, dir, failure);
            }
        }

        private void register(Path top) throws IOException {
            Files.walkFileTree(top, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
                    if (!dir.equals(root) && hidden(dir)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    WatchKey watchKey = dir.register(
                            service,
                            StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_MODIFY,
                            StandardWatchEventKinds.ENTRY_DELETE);
                    dirs.put(watchKey, dir);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException failure) {
                    return FileVisitResult.CONTINUE; // gone, or unreadable: scans report it
                }
            });
        }
    }

    private @Nullable ObjectInfo notAKey(String key) {
        warnUnreadable(key, "", new IOException("its name is not a key a store takes"));
        return null;
    }

    /** The file's info, its etag hashed again only if it changed; null if it cannot be read. */
    private @Nullable ObjectInfo describe(String key, Path file, BasicFileAttributes attributes) {
        if (!ObjectKeys.isValid(key)) {
            return notAKey(key);
        }
        Hashed known = etags.get(key);
        @Nullable Object changed = changeTime(file);
        String etag;
        if (known != null && known.matches(attributes, changed)) {
            etag = known.etag;
        } else {
            try (InputStream in = openRegularFile(file)) {
                etag = Digests.md5(in);
            } catch (NoSuchFileException gone) {
                return null;
            } catch (ClosedByInterruptException stopping) {
                Thread.currentThread().interrupt();
                return null;
            } catch (IOException failure) {
                warnUnreadable(key, attributes.size() + "@" + attributes.lastModifiedTime(), failure);
                return null;
            }
            etags.put(key, new Hashed(attributes, changed, etag));
        }
        return new ObjectInfo(
                key, attributes.size(), etag, attributes.lastModifiedTime().toInstant());
    }

    private void warnUnreadable(String key, String version, IOException failure) {
        if (!version.equals(warned.put(key, version))) {
            unreadable.incrementAndGet();
            if (unreadableCounter != null) {
                unreadableCounter.increment();
            }
            String reason = failure instanceof AccessDeniedException ? "access denied" : failure.toString();
            log.warn(
                    "faas: directory store '{}' cannot read '{}' ({}); it is left out until it can be",
                    name,
                    key,
                    reason);
        }
    }

    /** The path of a key, checked to stay under the root as written (links are checked where they matter). */
    private Path resolve(String key) {
        ObjectKeys.check(key);
        Path file;
        try {
            file = root.resolve(key).normalize();
        } catch (InvalidPathException unwritable) {
            throw new InvalidKeyException(key, "this file system cannot name it (" + unwritable.getReason() + ")");
        }
        if (!file.startsWith(root) || file.equals(root)) {
            throw new InvalidKeyException(key, "it names a path outside the store");
        }
        return file;
    }

    /** Whether {@code dir}, links resolved, is the root or under it; a directory that does not exist yet is. */
    private boolean insideRoot(@Nullable Path dir) throws IOException {
        if (dir == null) {
            return false;
        }
        try {
            return dir.toRealPath().startsWith(realRoot);
        } catch (NoSuchFileException absent) {
            return true; // nothing there to lead anywhere
        }
    }

    private String keyOf(Path file) {
        return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    /** S3's order of keys: by their UTF-8 bytes, which is the order of their code points (not of UTF-16's units). */
    static int compareAsUtf8(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static boolean hidden(Path path) {
        Path fileName = path.getFileName();
        return fileName != null && fileName.toString().startsWith(".");
    }

    @Override
    public String toString() {
        return "directory store '" + name + "' (" + root + ")";
    }

    /**
     * An etag, and the file attributes it holds for: size, modification time and inode, and the
     * change time where the platform has one, which a writer cannot set back as it can the
     * modification time ({@code touch -r}, {@code cp -p}).
     */
    private record Hashed(
            long size,
            Instant modified,
            @Nullable Object inode,
            @Nullable Object changed,
            String etag) {
        Hashed(BasicFileAttributes attributes, @Nullable Object changed, String etag) {
            this(attributes.size(), attributes.lastModifiedTime().toInstant(), attributes.fileKey(), changed, etag);
        }

        boolean matches(BasicFileAttributes attributes, @Nullable Object changedNow) {
            return size == attributes.size()
                    && modified.equals(attributes.lastModifiedTime().toInstant())
                    && Objects.equals(inode, attributes.fileKey())
                    && Objects.equals(changed, changedNow);
        }
    }

    /** The file's change time (ctime), or null where the platform has none. */
    private static @Nullable Object changeTime(Path file) {
        try {
            return Files.getAttribute(file, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException none) {
            return null;
        }
    }

    /**
     * Opens a file seen to be a regular one, on a thread of its own for at most 10 s: a FIFO put in
     * its place since would block the open until a writer came, and the caller with it (a trigger's
     * only thread). That thread is left to the FIFO's first writer.
     */
    private static InputStream openRegularFile(Path file) throws IOException {
        CompletableFuture<InputStream> opening = new CompletableFuture<>();
        Thread.ofVirtual().name("faas-open").start(() -> {
            try {
                InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
                if (!opening.complete(in)) {
                    in.close(); // given up on
                }
            } catch (IOException | RuntimeException failure) {
                opening.completeExceptionally(failure);
            }
        });
        try {
            return opening.get(OPEN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException blocked) {
            opening.cancel(false);
            throw new IOException("opening it has not returned in " + OPEN_TIMEOUT.toSeconds()
                    + " s: it is not a regular file any more (a FIFO?)");
        } catch (ExecutionException failed) {
            if (failed.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(failed.getCause());
        } catch (InterruptedException interrupted) {
            opening.cancel(false);
            Thread.currentThread().interrupt();
            throw new ClosedByInterruptException();
        }
    }

    /** Builds a {@link DirectoryStore}. */
    public static final class Builder {
        private final Path root;
        private @Nullable String name;
        private @Nullable MeterRegistry registry;

        private Builder(Path root) {
            this.root = Objects.requireNonNull(root, "root");
        }

        /**
         * The store's name, the bucket in events. Default: the directory's name.
         *
         * @param name not blank
         * @return this builder
         */
        public Builder name(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a directory store's name must not be blank");
            }
            this.name = name;
            return this;
        }

        /**
         * Where to count unreadable files ({@code faas.objects.unreadable}, tagged by store). Default none.
         *
         * @param registry the registry
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Opens the store, making the directory if it does not exist.
         *
         * @return the store
         * @throws IOException if the directory cannot be made or read
         */
        public DirectoryStore build() throws IOException {
            return new DirectoryStore(this);
        }
    }
}
