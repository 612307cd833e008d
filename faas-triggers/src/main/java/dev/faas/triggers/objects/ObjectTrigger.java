package dev.faas.triggers.objects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.faas.api.FaasException;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.Invoker;
import dev.faas.api.PayloadTypeException;
import dev.faas.api.ThrottledException;
import dev.faas.api.TimeSource;
import dev.faas.api.Trigger;
import dev.faas.api.events.ObjectCreatedEvent;
import dev.faas.api.events.ObjectRemovedEvent;
import dev.faas.triggers.internal.Digests;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An S3-style notification: each new object of an {@link ObjectStore} whose key matches a prefix
 * and a suffix goes to a function as an {@link ObjectCreatedEvent}, an EVENT invocation (so its
 * retries, destinations and dead letters apply), and, when asked, each removed one as an
 * {@link ObjectRemovedEvent}.
 *
 * <ul>
 *   <li>Finding objects: the store's watch gives prompt hints, and a reconcile scan of the prefix
 *       (at start, on every lost watch event, and each {@code reconcileInterval}) finds what hints
 *       missed. A store that cannot watch is scanned only.
 *   <li>Complete objects only: a version goes once it has looked the same (size, modification
 *       time and etag) for {@code settle}, so that a file still being written is not delivered
 *       half-written. A store's own {@code put} is atomic, so a writer that can use it (or write a
 *       temporary name starting with '.' and move it into place) may set settle to zero. A writer
 *       that pauses longer than settle mid-file is seen as done: the limit of judging by stillness.
 *   <li>Once per version: a new etag is a new version, and goes; the same etag again does not.
 *       What went is kept in a state file (by default {@code .faas/<trigger name>.json} in a
 *       {@link DirectoryStore}; none, so in memory only, for other stores unless given one), written
 *       after each round of deliveries, so a restart delivers only what changed meanwhile. A version
 *       the runtime accepted but had not run when the process died is lost with the runtime's event
 *       queue; one accepted after the last state write goes again (at least once). A lock beside
 *       the state file keeps a second trigger off it, in this process or another. Each event
 *       carries an idempotency key of its store, key, etag and the sequencer the version was first
 *       seen with, so the runtime runs it once however often it is offered; an object removed and
 *       put back unchanged is seen anew, and goes again, as S3 would notify it.
 *   <li>Throttles: a version the function's event queue refuses is offered again after the
 *       throttle's hint; nothing seen is dropped.
 *   <li>Loops: a function that writes to the store it is triggered by must write outside the
 *       notification's prefix or suffix, or it triggers itself; {@code start} refuses a
 *       notification whose filters take every key unless {@code allowWholeStore} says so.
 * </ul>
 *
 * <p>Timers (settle, reconcile, throttle back-off) are on the runtime's clock. One thread handles
 * the trigger's work, in rounds: what hints and timers ask for, then one state write.
 */
public final class ObjectTrigger implements Trigger {

    private static final Logger log = LoggerFactory.getLogger(ObjectTrigger.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int STATE_VERSION = 1;

    /** How long a version must look the same before it goes, unless told otherwise. */
    public static final Duration DEFAULT_SETTLE = Duration.ofSeconds(1);
    /** How often the whole prefix is scanned, unless told otherwise. */
    public static final Duration DEFAULT_RECONCILE_INTERVAL = Duration.ofMinutes(1);

    /** What the work thread is asked to do: look at one key, scan everything, or stop. */
    private record Hint(Kind kind, @Nullable String key) {
        static final Hint SCAN = new Hint(Kind.SCAN, null);
        static final Hint STOP = new Hint(Kind.STOP, null);

        static Hint look(String key) {
            return new Hint(Kind.LOOK, key);
        }
    }

    private enum Kind {
        LOOK,
        SCAN,
        STOP
    }

    /** A version that went, and the sequencer it went with: what a later look compares with. */
    private record Delivered(String etag, long size, String sequencer) {}

    /**
     * A version seen, waiting to settle: it goes once seen the same {@code settle} after {@code at},
     * with the sequencer it was given when first seen (so that offers of it again are one to the
     * runtime's idempotency, and a later version, or the same restored, is another).
     */
    private record Seen(ObjectInfo info, long at, String sequencer) {}

    private final String name;
    private final ObjectStore store;
    private final String function;
    private final String prefix;
    private final String suffix;
    private final boolean removals;
    private final boolean allowWholeStore;
    private final Duration settle;
    private final Duration reconcileInterval;
    private final @Nullable Path stateFile;
    private final @Nullable MeterRegistry registry;

    private final BlockingQueue<Hint> hints = new LinkedBlockingQueue<>();
    private final Set<String> rechecks = ConcurrentHashMap.newKeySet(); // keys with a settle timer set
    private final Object lifecycle = new Object();
    private volatile boolean closed;
    private volatile int pending;
    private final AtomicLong scans = new AtomicLong();
    // Set by start, under lifecycle:
    private @Nullable Invoker invoker;
    private @Nullable TimeSource clock;
    private @Nullable Thread worker;
    private @Nullable AutoCloseable watch;
    private TimeSource.@Nullable Cancellable reconcile;
    private @Nullable Counter created;
    private @Nullable Counter removed;
    private @Nullable FileLock stateLock;
    // The work thread's alone:
    private final Map<String, Delivered> delivered = new HashMap<>();
    private final Map<String, Seen> seen = new HashMap<>();
    private long sequencer;
    private boolean dirty;

    private ObjectTrigger(Builder builder) {
        this.store = builder.store;
        this.function = builder.function;
        this.prefix = builder.prefix;
        this.suffix = builder.suffix;
        this.name = builder.name != null ? builder.name : defaultName(store.name(), function, prefix, suffix);
        this.removals = builder.removals;
        this.allowWholeStore = builder.allowWholeStore;
        this.settle = builder.settle;
        this.reconcileInterval = builder.reconcileInterval;
        this.registry = builder.registry;
        Path state = builder.stateFile;
        if (state == null && !builder.inMemory && store instanceof DirectoryStore directory) {
            state = directory.root().resolve(".faas").resolve(name + ".json");
        }
        this.stateFile = state;
    }

    /** {@code objects-<store>-<function>}, and the filters made safe for a file name, so that each notification has its own state file. */
    private static String defaultName(String store, String function, String prefix, String suffix) {
        String filters = prefix + suffix;
        String name = "objects-" + store + "-" + function + (filters.isEmpty() ? "" : "-" + filters);
        name = name.replaceAll("[^A-Za-z0-9_.-]", "_").replaceAll("_+$", ""); // a file name, whatever the store's
        return name.length() > 100 ? name.substring(0, 100) : name;
    }

    /**
     * Starts a notification from a store to a function.
     *
     * @param store the store
     * @param function the function, which takes {@link ObjectCreatedEvent} (and, with removals, {@link
     *     ObjectRemovedEvent}: a common supertype such as {@code Object} or a sealed interface of
     *     the host's)
     * @return a builder
     */
    public static Builder builder(ObjectStore store, String function) {
        return new Builder(store, function);
    }

    @Override
    public String name() {
        return name;
    }

    /** Where what went is kept, if anywhere. */
    public Optional<Path> stateFile() {
        return Optional.ofNullable(stateFile);
    }

    /** How many scans of the prefix have ended: a test moves the clock past the reconcile interval and waits for one more. */
    public long scans() {
        return scans.get();
    }

    /** Versions seen and not yet gone: settling, or refused by a throttle. As of the last round. */
    public int pending() {
        return pending;
    }

    /**
     * Checks the function, reads the state file, starts the watch and the first scan.
     *
     * @throws InvalidConfigException if the function is not deployed, or the filters take every key
     *     of the store without {@code allowWholeStore}
     * @throws PayloadTypeException if the function does not take the events
     * @throws IllegalStateException if the state file cannot be read (it is left as it is)
     */
    @Override
    public void start(Invoker invoker) {
        Objects.requireNonNull(invoker, "invoker");
        FunctionSpec<?, ?> spec = invoker.describe(function)
                .orElseThrow(() -> new InvalidConfigException(
                        "function",
                        "the object trigger '" + name + "' names function '" + function
                                + "', which is not deployed: deploy it before adding the trigger"));
        checkTakes(spec, ObjectCreatedEvent.class);
        if (removals) {
            checkTakes(spec, ObjectRemovedEvent.class);
        }
        if (prefix.isEmpty() && suffix.isEmpty() && !allowWholeStore) {
            throw new InvalidConfigException(
                    "prefix",
                    "the object trigger '" + name + "' takes every key of store '" + store.name()
                            + "': a function that writes its results to the same store would trigger itself"
                            + " for ever; give a prefix or a suffix (and write elsewhere), or allowWholeStore(true)");
        }
        synchronized (lifecycle) {
            if (this.invoker != null || closed) {
                throw new IllegalStateException("the object trigger '" + name + "' was "
                        + (closed ? "closed" : "started") + " before: build a new one");
            }
            lockState();
            try {
                readState();
            } catch (RuntimeException unreadable) {
                unlockState();
                throw unreadable;
            }
            this.invoker = invoker;
            this.clock = invoker.clock();
            if (registry != null) {
                created = counter(registry, "created");
                removed = counter(registry, "removed");
            }
            try {
                watch = store.watch(new ObjectStore.Listener() {
                    @Override
                    public void changed(String key) {
                        if (matches(key)) {
                            hints.add(Hint.look(key));
                        }
                    }

                    @Override
                    public void lost() {
                        hints.add(Hint.SCAN);
                    }
                });
            } catch (IOException failure) {
                log.warn(
                        "faas: object trigger '{}' cannot watch store '{}'; it scans only",
                        name,
                        store.name(),
                        failure);
            }
            hints.add(Hint.SCAN);
            reconcile = clock.schedule(reconcileInterval, this::scanAndReschedule);
            Thread thread = invoker.threadFactory().newThread(this::work);
            worker = thread;
            thread.start();
        }
        log.info(
                "faas: object trigger '{}' sends store '{}' ({}*{}) to function '{}'",
                name,
                store.name(),
                prefix,
                suffix,
                function);
    }

    private void checkTakes(FunctionSpec<?, ?> spec, Class<?> event) {
        if (!spec.inputType().isAssignableFrom(event)) {
            throw new PayloadTypeException(
                    function,
                    "the object trigger '" + name + "' gives function '" + function + "' an " + event.getSimpleName()
                            + ", but it takes " + spec.inputType().getName());
        }
    }

    private Counter counter(MeterRegistry meters, String type) {
        return Counter.builder("faas.objects.events")
                .description("Object events an object trigger handed its function, by type")
                .tags("trigger", name, "store", store.name(), "function", function, "type", type)
                .register(meters);
    }

    private void scanAndReschedule() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            hints.add(Hint.SCAN);
            reconcile = Objects.requireNonNull(clock).schedule(reconcileInterval, this::scanAndReschedule);
        }
    }

    /** The work thread: rounds of what the hints ask, each ending in one state write. */
    private void work() {
        while (true) {
            List<Hint> round = new ArrayList<>();
            try {
                round.add(hints.take());
            } catch (InterruptedException interrupted) {
                return; // not close's way, but a stop all the same
            }
            hints.drainTo(round);
            try {
                if (round.contains(Hint.STOP)) {
                    return; // close writes the state
                }
                if (round.contains(Hint.SCAN)) {
                    scan();
                    scans.incrementAndGet();
                } else {
                    Set<String> keys = new LinkedHashSet<>();
                    round.forEach(hint -> keys.add(Objects.requireNonNull(hint.key())));
                    // A key that is settling is left to its timer: a file being written is hashed once a settle.
                    keys.removeIf(rechecks::contains);
                    keys.forEach(this::look);
                }
                writeState();
            } catch (RuntimeException unexpected) { // a store's, most likely: the next scan tries again
                log.error(
                        "faas: object trigger '{}': a round of work failed; the next scan tries again",
                        name,
                        unexpected);
            } finally {
                pending = seen.size();
            }
        }
    }

    private void scan() {
        List<ObjectInfo> objects;
        try {
            objects = store.list(prefix);
        } catch (IOException failure) {
            log.warn("faas: object trigger '{}' cannot list store '{}'; it tries again", name, store.name(), failure);
            return;
        }
        Set<String> present = new HashSet<>();
        for (ObjectInfo info : objects) {
            if (matches(info.key())) {
                present.add(info.key());
                observe(info);
            }
        }
        seen.keySet().retainAll(present);
        for (String key : List.copyOf(delivered.keySet())) {
            if (!present.contains(key) && matches(key)) { // not one another filter's state held
                vanished(key);
            }
        }
    }

    private void look(String key) {
        Optional<ObjectInfo> info;
        try {
            info = store.stat(key);
        } catch (IOException failure) {
            log.debug("faas: object trigger '{}' cannot look at '{}'; a scan will", name, key, failure);
            return;
        }
        if (info.isPresent()) {
            observe(info.get());
        } else {
            seen.remove(key);
            vanished(key);
        }
    }

    /** A version seen: nothing if it went already, else it goes once it has stood still for settle. */
    private void observe(ObjectInfo info) {
        String key = info.key();
        Delivered last = delivered.get(key);
        if (last != null && last.etag().equals(info.etag())) {
            seen.remove(key);
            return;
        }
        long now = Objects.requireNonNull(clock).nanoTime();
        Seen before = seen.get(key);
        if (before == null || !before.info().equals(info)) {
            before = new Seen(info, now, nextSequencer());
            seen.put(key, before);
        }
        long still = now - before.at();
        if (still >= settle.toNanos()) {
            deliver(info, before.sequencer());
        } else {
            lookAgain(key, Duration.ofNanos(settle.toNanos() - still));
        }
    }

    private void lookAgain(String key, Duration after) {
        if (rechecks.add(key)) {
            Objects.requireNonNull(clock).schedule(after, () -> {
                rechecks.remove(key);
                hints.add(Hint.look(key));
            });
        }
    }

    private void deliver(ObjectInfo info, String sequencer) {
        String key = info.key();
        ObjectCreatedEvent event =
                new ObjectCreatedEvent(store.name(), key, info.size(), info.etag(), sequencer, info.lastModified());
        if (offer(key, event, versionKey("created", key, info.etag(), sequencer))) {
            seen.remove(key);
            delivered.put(key, new Delivered(info.etag(), info.size(), sequencer));
            dirty = true;
            if (created != null) {
                created.increment();
            }
        }
    }

    private void vanished(String key) {
        Delivered last = delivered.get(key);
        if (last == null) {
            return;
        }
        if (removals) {
            Invoker calls = Objects.requireNonNull(invoker);
            ObjectRemovedEvent event = new ObjectRemovedEvent(
                    store.name(),
                    key,
                    last.etag(),
                    nextSequencer(),
                    calls.clock().now());
            if (!offer(key, event, versionKey("removed", key, last.etag(), last.sequencer()))) {
                return; // kept: offered again at the next scan
            }
            if (removed != null) {
                removed.increment();
            }
        }
        delivered.remove(key);
        dirty = true;
    }

    /** Hands an event to the runtime; false when refused, and then the key is looked at again later. */
    private boolean offer(String key, Object event, String idempotencyKey) {
        try {
            Objects.requireNonNull(invoker).invokeEvent(function, event, idempotencyKey);
            return true;
        } catch (ThrottledException throttle) {
            Duration hint = throttle.retryAfter();
            lookAgain(key, hint.compareTo(Duration.ofSeconds(1)) > 0 ? hint : Duration.ofSeconds(1));
        } catch (FaasException refused) {
            log.warn(
                    "faas: object trigger '{}': function '{}' refused the event for '{}'; the next scan offers it again",
                    name,
                    function,
                    key,
                    refused);
        }
        return false;
    }

    /** Greater than any before, across restarts too: at least the clock's microseconds, as a state file may be older than the last one given. */
    private String nextSequencer() {
        Instant now = Objects.requireNonNull(clock).now();
        long micros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
        sequencer = Math.max(sequencer + 1, micros);
        return String.format("%016X", sequencer);
    }

    /** One event of one version, seen once: hashed to fit an idempotency key. */
    private String versionKey(String type, String key, String etag, String sequencer) {
        return "objects:" + Digests.sha256Joined(type, name, store.name(), key, etag, sequencer);
    }

    private boolean matches(String key) {
        return key.startsWith(prefix) && key.endsWith(suffix);
    }

    /** Reads what went before, if the state file exists; refuses to start on one it cannot read. */
    private void readState() {
        if (stateFile == null || !Files.exists(stateFile)) {
            return;
        }
        try {
            JsonNode state = JSON.readTree(stateFile.toFile());
            if (state == null
                    || state.path("version").asInt() != STATE_VERSION
                    || !state.path("objects").isObject()) {
                throw new IOException("not a state file of version " + STATE_VERSION);
            }
            sequencer = state.path("sequencer").asLong();
            for (Map.Entry<String, JsonNode> object : state.path("objects").properties()) {
                JsonNode etag = object.getValue().path("etag");
                if (!etag.isTextual()) {
                    throw new IOException("object '" + object.getKey() + "' has no etag");
                }
                delivered.put(
                        object.getKey(),
                        new Delivered(
                                etag.asText(),
                                object.getValue().path("size").asLong(),
                                object.getValue().path("sequencer").asText("")));
            }
        } catch (IOException failure) {
            throw new IllegalStateException(
                    "object trigger '" + name + "': its state file " + stateFile + " cannot be read ("
                            + failure.getMessage()
                            + "); it is left as it is. Restore it, or move it away to deliver every object again",
                    failure);
        }
    }

    /** The state file's directory, made if missing, but not its parent: a store's root that is gone stays gone. */
    private static void makeStateDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectory(dir);
        }
    }

    /**
     * Takes the state file for this trigger alone, with a lock on a file beside it that the
     * operating system drops if the process dies, so that two triggers (in this process or
     * another) never overwrite each other's.
     */
    private void lockState() {
        if (stateFile == null) {
            return;
        }
        Path dir = Objects.requireNonNull(stateFile.toAbsolutePath().getParent());
        Path lockFile = dir.resolve("." + stateFile.getFileName() + ".lock");
        FileChannel channel = null;
        try {
            makeStateDirectory(dir);
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new OverlappingFileLockException();
            }
            stateLock = lock;
        } catch (OverlappingFileLockException taken) {
            closeQuietly(channel);
            throw new IllegalStateException("object trigger '" + name + "': its state file " + stateFile
                    + " is another trigger's (in this process or another): give each trigger a name of its own");
        } catch (IOException failure) {
            closeQuietly(channel);
            throw new IllegalStateException(
                    "object trigger '" + name + "' cannot lock its state file " + stateFile + ": " + failure, failure);
        }
    }

    private static void closeQuietly(@Nullable FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // it held no lock
            }
        }
    }

    /** Writes what went, if it changed: a temporary file moved over the last, so a crash leaves one whole. */
    private void writeState() {
        if (stateFile == null || !dirty) {
            return;
        }
        ObjectNode state = JSON.createObjectNode();
        state.put("version", STATE_VERSION);
        state.put("sequencer", sequencer);
        ObjectNode objects = state.putObject("objects");
        delivered.forEach((key, last) -> objects.putObject(key)
                .put("etag", last.etag())
                .put("size", last.size())
                .put("sequencer", last.sequencer()));
        Path dir = Objects.requireNonNull(stateFile.toAbsolutePath().getParent());
        Path temporary = dir.resolve("." + stateFile.getFileName() + ".tmp");
        try {
            makeStateDirectory(dir);
            try (FileChannel out = FileChannel.open(
                    temporary,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                out.write(ByteBuffer.wrap(JSON.writeValueAsBytes(state)));
                out.force(true); // on disk before the move, so that a power loss leaves the old file or this one
            }
            try {
                Files.move(temporary, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException notHere) {
                Files.move(temporary, stateFile, StandardCopyOption.REPLACE_EXISTING);
            }
            dirty = false;
        } catch (IOException failure) {
            log.warn(
                    "faas: object trigger '{}' cannot write its state file {}; it tries again after the next round"
                            + " (a restart now would deliver again what went since the last write)",
                    name,
                    stateFile,
                    failure);
        }
    }

    /**
     * Stops the watch, the timers and the work thread, once its round is done, and writes the state.
     * Events handed to the runtime before are the runtime's to run.
     */
    @Override
    public void close() {
        Thread thread;
        AutoCloseable watching;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            if (reconcile != null) {
                reconcile.cancel();
            }
            thread = worker;
            watching = watch;
        }
        if (watching != null) {
            try {
                watching.close();
            } catch (Exception failure) {
                log.warn("faas: object trigger '{}' could not stop its watch cleanly", name, failure);
            }
        }
        if (thread != null) {
            hints.add(Hint.STOP); // after the round under way: an interrupt could cut a file's read in two
            try {
                if (!thread.join(Duration.ofSeconds(30))) {
                    log.warn("faas: object trigger '{}': its work thread is still busy after 30 s", name);
                    return;
                }
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
            writeState(); // the thread has ended: its state is this thread's now
        }
        unlockState();
    }

    private void unlockState() {
        FileLock lock = stateLock;
        stateLock = null;
        if (lock != null) {
            try {
                lock.channel().close(); // and the lock with it
            } catch (IOException failure) {
                log.warn("faas: object trigger '{}' could not release the lock on its state file", name, failure);
            }
        }
    }

    @Override
    public String toString() {
        return "object trigger '" + name + "' (store '" + store.name() + "' to function '" + function + "')";
    }

    /** Builds an {@link ObjectTrigger}; each setter checks its value. */
    public static final class Builder {
        private final ObjectStore store;
        private final String function;
        private @Nullable String name;
        private String prefix = "";
        private String suffix = "";
        private boolean removals;
        private boolean allowWholeStore;
        private Duration settle = DEFAULT_SETTLE;
        private Duration reconcileInterval = DEFAULT_RECONCILE_INTERVAL;
        private @Nullable Path stateFile;
        private boolean inMemory;
        private @Nullable MeterRegistry registry;

        private Builder(ObjectStore store, String function) {
            this.store = Objects.requireNonNull(store, "store");
            if (function == null || function.isBlank()) {
                throw new IllegalArgumentException("an object trigger's function must not be blank");
            }
            this.function = function;
        }

        /**
         * The trigger's name, for logs, meters and its state file. Default {@code
         * objects-<store>-<function>}.
         *
         * @param name letters, digits, '-', '_' and '.', 1 to 100, not starting with '.'
         * @return this builder
         */
        public Builder name(String name) {
            if (name == null || !name.matches("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}")) {
                throw new IllegalArgumentException("an object trigger's name is 1 to 100 letters, digits, '-', '_'"
                        + " or '.', not starting with '.' (it names its state file), but was '" + name + "'");
            }
            this.name = name;
            return this;
        }

        /**
         * Only keys that start with this. Default: any.
         *
         * @param prefix the start of a valid key, such as {@code uploads/}
         * @return this builder
         * @throws InvalidKeyException if no valid key starts so
         */
        public Builder prefix(String prefix) {
            this.prefix = ObjectKeys.checkPrefix(prefix);
            return this;
        }

        /**
         * Only keys that end with this, such as {@code .jpg}. Default: any.
         *
         * @param suffix the suffix, without '/' or control characters
         * @return this builder
         */
        public Builder suffix(String suffix) {
            Objects.requireNonNull(suffix, "suffix");
            if (suffix.contains("/") || suffix.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException(
                        "an object trigger's suffix ends a key's last segment: no '/' or control characters, but was '"
                                + suffix + "'");
            }
            this.suffix = suffix;
            return this;
        }

        /**
         * Whether removals go to the function too, as {@link ObjectRemovedEvent}s. Default false.
         *
         * @param removals whether they do
         * @return this builder
         */
        public Builder removals(boolean removals) {
            this.removals = removals;
            return this;
        }

        /**
         * Allows filters that take every key of the store: only for a function that never writes to
         * it. Default false.
         *
         * @param allow whether to allow them
         * @return this builder
         */
        public Builder allowWholeStore(boolean allow) {
            this.allowWholeStore = allow;
            return this;
        }

        /**
         * How long a version must look the same before it goes. Default 1 s; zero when every writer
         * writes whole (a store's {@code put}, or a temporary name moved into place).
         *
         * @param settle 0 to 1 h
         * @return this builder
         */
        public Builder settle(Duration settle) {
            Objects.requireNonNull(settle, "settle");
            if (settle.isNegative() || settle.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("an object trigger's settle time is 0 to 1 h, but was " + settle);
            }
            this.settle = settle;
            return this;
        }

        /**
         * How often the whole prefix is scanned, to find what the watch missed. Default 1 min.
         *
         * @param interval 1 s to 1 day
         * @return this builder
         */
        public Builder reconcileInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.compareTo(Duration.ofSeconds(1)) < 0 || interval.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException(
                        "an object trigger's reconcile interval is 1 s to 1 day, but was " + interval);
            }
            this.reconcileInterval = interval;
            return this;
        }

        /**
         * Where to keep what went, so that a restart does not deliver it again. Default: {@code
         * .faas/<name>.json} in a {@link DirectoryStore}, none for other stores.
         *
         * @param file the state file
         * @return this builder
         */
        public Builder stateFile(Path file) {
            this.stateFile = Objects.requireNonNull(file, "file");
            this.inMemory = false;
            return this;
        }

        /**
         * Keeps what went in memory only: a restart delivers every object again.
         *
         * @return this builder
         */
        public Builder stateInMemory() {
            this.stateFile = null;
            this.inMemory = true;
            return this;
        }

        /**
         * Where to count the events handed over ({@code faas.objects.events}, tagged by trigger,
         * store, function and type). Default none.
         *
         * @param registry the registry
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** Builds the trigger; {@code start} checks it against the function. */
        public ObjectTrigger build() {
            return new ObjectTrigger(this);
        }
    }
}
