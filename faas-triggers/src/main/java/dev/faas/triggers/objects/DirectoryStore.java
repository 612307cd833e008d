package dev.faas.triggers.objects;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
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

    private final String name;
    private final Path root;
    private final Path realRoot;
    private final Map<String, Hashed> etags = new ConcurrentHashMap<>();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final AtomicLong unreadable = new AtomicLong();
    private final @Nullable Counter unreadableCounter;

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
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        if (!Files.isDirectory(start, LinkOption.NOFOLLOW_LINKS) || !insideRoot(start)) {
            return List.of();
        }
        List<ObjectInfo> found = new ArrayList<>();
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
                    ObjectInfo info = describe(key, file, attributes);
                    if (info != null) {
                        found.add(info);
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException failure) {
                if (!(failure instanceof NoSuchFileException)) { // else gone while listed
                    warnUnreadable(keyOf(file), "", failure);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        found.sort(Comparator.comparing(ObjectInfo::key));
        if (prefix.isEmpty()) { // forget the etags of files gone by other hands than delete's
            Set<String> present = ConcurrentHashMap.newKeySet(found.size());
            found.forEach(info -> present.add(info.key()));
            etags.keySet().retainAll(present);
        }
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
        Files.createDirectories(dir);
        if (!insideRoot(dir)) {
            throw new InvalidKeyException(key, "it leads out of the store through a symbolic link");
        }
        Path temporary = dir.resolve(TEMPORARY_PREFIX + UUID.randomUUID());
        try {
            try (OutputStream out = Files.newOutputStream(temporary)) {
                out.write(content);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
        BasicFileAttributes attributes =
                Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String etag = md5(content);
        etags.put(key, new Hashed(attributes, etag));
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
     * Watches the root and every directory under it, on a virtual thread of its own, until closed.
     */
    @Override
    public AutoCloseable watch(Listener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        WatchService service = root.getFileSystem().newWatchService();
        try {
            registerTree(service, root);
        } catch (IOException failure) {
            service.close();
            throw failure;
        }
        Thread watcher = Thread.ofVirtual().name("faas-watch-" + name).start(() -> forwardEvents(service, listener));
        return () -> {
            service.close();
            watcher.join();
        };
    }

    private void forwardEvents(WatchService service, Listener listener) {
        try {
            while (true) {
                WatchKey watchKey = service.take();
                Path dir = (Path) watchKey.watchable();
                for (WatchEvent<?> event : watchKey.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        listener.lost();
                        continue;
                    }
                    Path child = dir.resolve((Path) event.context());
                    if (hidden(child)) {
                        continue;
                    }
                    if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE
                            && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                        registerQuietly(service, child);
                        listener.lost(); // what it held before it was watched has made no events
                    } else {
                        listener.changed(keyOf(child));
                    }
                }
                watchKey.reset(); // false when the directory is gone: then it is not watched any more
            }
        } catch (InterruptedException | ClosedWatchServiceException closed) {
            // the watch was closed
        } catch (RuntimeException unexpected) {
            log.error("faas: the watch on directory store '{}' failed and stops; scans go on", name, unexpected);
        }
    }

    private void registerQuietly(WatchService service, Path dir) {
        try {
            registerTree(service, dir);
        } catch (IOException failure) {
            log.warn("faas: directory store '{}' cannot watch {}; scans still find its files", name, dir, failure);
        }
    }

    private void registerTree(WatchService service, Path top) throws IOException {
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
                if (!dir.equals(root) && hidden(dir)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                dir.register(
                        service,
                        StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException failure) {
                return FileVisitResult.CONTINUE; // gone, or unreadable: scans report it
            }
        });
    }

    /** The file's info, its etag hashed again only if it changed; null if it cannot be read. */
    private @Nullable ObjectInfo describe(String key, Path file, BasicFileAttributes attributes) {
        if (!ObjectKeys.isValid(key)) {
            warnUnreadable(key, "", new IOException("its name is not a key a store takes"));
            return null;
        }
        Hashed known = etags.get(key);
        String etag;
        if (known != null && known.matches(attributes)) {
            etag = known.etag;
        } else {
            try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                etag = md5(in);
            } catch (NoSuchFileException gone) {
                return null;
            } catch (IOException failure) {
                warnUnreadable(key, attributes.size() + "@" + attributes.lastModifiedTime(), failure);
                return null;
            }
            etags.put(key, new Hashed(attributes, etag));
        }
        return new ObjectInfo(
                key, attributes.size(), etag, attributes.lastModifiedTime().toInstant());
    }

    private void warnUnreadable(String key, String version, IOException failure) {
        if (warned.add(key + "@" + version)) {
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
        Path file = root.resolve(key).normalize();
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

    private static boolean hidden(Path path) {
        Path fileName = path.getFileName();
        return fileName != null && fileName.toString().startsWith(".");
    }

    private static String md5(byte[] content) {
        return HexFormat.of().formatHex(md5().digest(content));
    }

    private static String md5(InputStream in) throws IOException {
        MessageDigest digest = md5();
        byte[] buffer = new byte[64 * 1024];
        int read;
        while ((read = in.read(buffer)) >= 0) {
            digest.update(buffer, 0, read);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JDK has MD5", impossible);
        }
    }

    @Override
    public String toString() {
        return "directory store '" + name + "' (" + root + ")";
    }

    /** An etag, and the file attributes it holds for. */
    private record Hashed(
            long size, Instant modified, @Nullable Object inode, String etag) {
        Hashed(BasicFileAttributes attributes, String etag) {
            this(attributes.size(), attributes.lastModifiedTime().toInstant(), attributes.fileKey(), etag);
        }

        boolean matches(BasicFileAttributes attributes) {
            return size == attributes.size()
                    && modified.equals(attributes.lastModifiedTime().toInstant())
                    && Objects.equals(inode, attributes.fileKey());
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
