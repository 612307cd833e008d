package dev.faas.triggers.objects;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.ManualClock;
import dev.faas.api.PayloadTypeException;
import dev.faas.api.events.ObjectCreatedEvent;
import dev.faas.api.events.ObjectRemovedEvent;
import dev.faas.core.FaasRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ObjectTriggerTest {

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(Instant.parse("2027-01-01T00:00:00Z"));
    private final FaasRuntime runtime =
            FaasRuntime.builder().clock(clock).reportLog(false).build();
    /** Every event the function was handed, in order. */
    private final Queue<Object> handed = new ConcurrentLinkedQueue<>();

    @AfterEach
    void close() {
        runtime.close();
    }

    private void deploy(FunctionConfig config) {
        runtime.deploy(FunctionSpec.of("thumbs", Object.class, String.class, () -> (event, context) -> {
                    handed.add(event);
                    return "ok";
                })
                .withConfig(config));
    }

    private void deploy() {
        deploy(FunctionConfig.defaults());
    }

    private ObjectTrigger.Builder uploads(ObjectStore store) {
        return ObjectTrigger.builder(store, "thumbs").prefix("uploads/").settle(Duration.ZERO);
    }

    private List<ObjectCreatedEvent> created() {
        return handed.stream()
                .filter(ObjectCreatedEvent.class::isInstance)
                .map(ObjectCreatedEvent.class::cast)
                .toList();
    }

    /** Moves the clock past the reconcile interval and waits for that scan and what it handed over. */
    private void scanOnce(FaasRuntime on, ObjectTrigger trigger) {
        long before = trigger.scans();
        clock.advance(ObjectTrigger.DEFAULT_RECONCILE_INTERVAL);
        await().until(() -> trigger.scans() > before);
        on.awaitQuiescence(Duration.ofSeconds(10));
    }

    /** Moves the manual clock a second at a time until {@code done}: settle and back-off wait on it. */
    private void advanceUntil(BooleanSupplier done) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    if (done.getAsBoolean()) {
                        return true;
                    }
                    clock.advance(Duration.ofSeconds(1));
                    return false;
                });
    }

    private static String md5(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(content));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    @Test
    void createOverwriteAndRemoveEachGoOnceInOrder() throws Exception {
        DirectoryStore store = DirectoryStore.open(dir);
        deploy();
        runtime.addTrigger(uploads(store).removals(true).build());

        store.put("uploads/cat.jpg", "one".getBytes(UTF_8));
        await().until(() -> handed.size() == 1);
        store.put("uploads/cat.jpg", "two".getBytes(UTF_8));
        await().until(() -> handed.size() == 2);
        store.put("uploads/cat.jpg", "two".getBytes(UTF_8)); // the same etag: the same version
        store.put("uploads/dog.jpg", "woof".getBytes(UTF_8));
        await().until(() -> handed.size() == 3);
        store.delete("uploads/cat.jpg");
        await().until(() -> handed.size() == 4);

        List<ObjectCreatedEvent> created = created();
        assertThat(created)
                .extracting(ObjectCreatedEvent::key)
                .containsExactly("uploads/cat.jpg", "uploads/cat.jpg", "uploads/dog.jpg");
        assertThat(created.get(0).etag()).isEqualTo(md5("one".getBytes(UTF_8)));
        assertThat(created.get(1).etag()).isEqualTo(md5("two".getBytes(UTF_8)));
        assertThat(created.get(1).sequencer()).isGreaterThan(created.get(0).sequencer());
        assertThat(created).allSatisfy(event -> assertThat(event.bucket()).isEqualTo(store.name()));
        assertThat(handed).last().isInstanceOfSatisfying(ObjectRemovedEvent.class, removed -> {
            assertThat(removed.key()).isEqualTo("uploads/cat.jpg");
            assertThat(removed.etag()).isEqualTo(md5("two".getBytes(UTF_8)));
        });
    }

    @Test
    void onlyKeysUnderThePrefixAndWithTheSuffixGoNestedOnesIncluded() throws Exception {
        DirectoryStore store = DirectoryStore.open(dir);
        deploy();
        ObjectTrigger trigger = uploads(store).suffix(".jpg").build();
        runtime.addTrigger(trigger);

        store.put("uploads/a.png", new byte[1]);
        store.put("other/b.jpg", new byte[1]);
        store.put("uploadsX/c.jpg", new byte[1]);
        store.put("uploads/2026/12/d.jpg", new byte[1]);
        store.put("uploads/e.jpg", new byte[1]);

        await().until(() -> handed.size() == 2);
        scanOnce(runtime, trigger); // it finds nothing more
        assertThat(created())
                .extracting(ObjectCreatedEvent::key)
                .containsExactlyInAnyOrder("uploads/2026/12/d.jpg", "uploads/e.jpg");
    }

    @Test
    void aFileBeingWrittenSlowlyGoesOnceWholeAfterItSettles() throws Exception {
        DirectoryStore store = DirectoryStore.open(dir);
        deploy();
        ObjectTrigger trigger = uploads(store).settle(Duration.ofSeconds(2)).build();
        runtime.addTrigger(trigger);
        Path file = Files.createDirectories(dir.resolve("uploads")).resolve("big.bin");
        byte[] half = "first half, ".getBytes(UTF_8);
        byte[] rest = "and the rest".getBytes(UTF_8);

        Files.write(file, half);
        await().until(() -> trigger.pending() == 1); // seen; the clock has not moved, so it cannot go
        Files.write(file, rest, StandardOpenOption.APPEND);
        advanceUntil(() -> handed.size() == 1);
        clock.advance(Duration.ofSeconds(5));
        runtime.awaitQuiescence(Duration.ofSeconds(5));

        byte[] whole = Files.readAllBytes(file);
        assertThat(created()).singleElement().satisfies(event -> {
            assertThat(event.size()).isEqualTo(whole.length);
            assertThat(event.etag()).isEqualTo(md5(whole));
        });
        await("nothing left pending once the round that delivered it ends").until(() -> trigger.pending() == 0);
    }

    @Test
    void aRestartDeliversOnlyWhatChangedMeanwhile() throws Exception {
        DirectoryStore store = DirectoryStore.open(dir);
        deploy();
        ObjectTrigger first = uploads(store).build();
        runtime.addTrigger(first);
        for (String name : List.of("a", "b", "c")) {
            store.put("uploads/" + name, name.getBytes(UTF_8));
        }
        await().until(() -> handed.size() == 3);
        runtime.close(); // the host stops
        assertThat(first.stateFile())
                .hasValueSatisfying(state -> assertThat(state).exists());

        store.put("uploads/b", "b, changed".getBytes(UTF_8));
        store.put("uploads/d", "d".getBytes(UTF_8));
        try (FaasRuntime restarted =
                FaasRuntime.builder().clock(clock).reportLog(false).build()) {
            restarted.deploy(FunctionSpec.of("thumbs", Object.class, String.class, () -> (event, context) -> {
                handed.add(event);
                return "ok";
            }));
            ObjectTrigger second = uploads(store).build();
            restarted.addTrigger(second);

            await().until(() -> handed.size() >= 5);
            scanOnce(restarted, second);
        }
        List<ObjectCreatedEvent> created = created(); // events run side by side: in any order within a run
        assertThat(created.subList(0, 3))
                .extracting(ObjectCreatedEvent::key)
                .containsExactlyInAnyOrder("uploads/a", "uploads/b", "uploads/c");
        assertThat(created.subList(3, created.size()))
                .extracting(ObjectCreatedEvent::key)
                .containsExactlyInAnyOrder("uploads/b", "uploads/d");
        String lastBefore = created.subList(0, 3).stream()
                .map(ObjectCreatedEvent::sequencer)
                .max(String::compareTo)
                .orElseThrow();
        assertThat(created.subList(3, 5))
                .as("the sequencer counts on")
                .allSatisfy(event -> assertThat(event.sequencer()).isGreaterThan(lastBefore));
    }

    @Test
    void eachNotificationHasAStateFileOfItsOwnAndNoTwoTriggersShareOne() throws Exception {
        DirectoryStore store = DirectoryStore.open(dir);
        deploy();
        ObjectTrigger photos = uploads(store).build();
        ObjectTrigger videos =
                ObjectTrigger.builder(store, "thumbs").prefix("videos/").build();
        ObjectTrigger again = uploads(store).build();

        assertThat(photos.stateFile()).isNotEqualTo(videos.stateFile());
        runtime.addTrigger(photos);
        runtime.addTrigger(videos);
        assertThatThrownBy(() -> runtime.addTrigger(again))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is another trigger's")
                .hasMessageContaining("give each trigger a name of its own");
    }

    @Test
    void anObjectRemovedAndPutBackUnchangedIsDeliveredAgain() throws Exception {
        DirectoryStore store = DirectoryStore.open(dir);
        deploy();
        runtime.addTrigger(uploads(store).removals(true).build());
        store.put("uploads/cat.jpg", "meow".getBytes(UTF_8));
        await().until(() -> handed.size() == 1);
        Path aside = Files.createTempDirectory("aside").resolve("cat.jpg");

        Files.move(dir.resolve("uploads/cat.jpg"), aside); // its time, size and content kept
        await().until(() -> handed.size() == 2);
        Files.move(aside, dir.resolve("uploads/cat.jpg"));

        await().until(() -> handed.size() == 3);
        assertThat(handed).element(1).isInstanceOf(ObjectRemovedEvent.class);
        assertThat(created()).hasSize(2).extracting(ObjectCreatedEvent::etag).containsOnly(md5("meow".getBytes(UTF_8)));
    }

    @Test
    void aStoreWhoseDirectoryIsGoneIsNotTakenForOneWhoseObjectsAreAllRemoved() throws Exception {
        Path mount = dir.resolve("mount");
        DirectoryStore store = DirectoryStore.open(mount);
        deploy();
        ObjectTrigger trigger = uploads(store).removals(true).build();
        runtime.addTrigger(trigger);
        store.put("uploads/a", new byte[1]);
        await().until(() -> handed.size() == 1);

        Files.move(mount, dir.resolve("unmounted"));
        scanOnce(runtime, trigger);

        assertThat(handed).as("no removal").hasSize(1);
        assertThat(mount).as("not made again by a state write").doesNotExist();
    }

    @Test
    void aStateFileThatCannotBeReadStopsTheStartAndIsLeftAsItIs() throws Exception {
        DirectoryStore store = DirectoryStore.open(dir);
        deploy();
        ObjectTrigger trigger = uploads(store).name("thumbnails").build();
        Path state = trigger.stateFile().orElseThrow();
        Files.createDirectories(state.getParent());
        Files.writeString(state, "{ not json");

        assertThatThrownBy(() -> runtime.addTrigger(trigger))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(state.toString())
                .hasMessageContaining("move it away to deliver every object again");
        assertThat(state).hasContent("{ not json");
    }

    @Test
    void aBurstOfTenThousandFilesWrittenByHandWithTheWatchOverflowedGoesEachOnceWhole() throws Exception {
        DirectoryStore directory = DirectoryStore.open(dir);
        CountDownLatch written = new CountDownLatch(1);
        AtomicInteger lost = new AtomicInteger();
        ObjectStore store = new HeldWatch(directory, written, lost);
        Map<String, Queue<Long>> runs = new ConcurrentHashMap<>(); // the sizes each key was delivered with
        runtime.deploy(FunctionSpec.of("thumbs", ObjectCreatedEvent.class, String.class, () -> (event, context) -> {
            runs.computeIfAbsent(event.key(), key -> new ConcurrentLinkedQueue<>())
                    .add(event.size());
            return "ok";
        }));
        // files written by hand, not moved into place: each is delivered once it has stood still a second
        ObjectTrigger trigger = uploads(store).settle(Duration.ofSeconds(1)).build();
        runtime.addTrigger(trigger);
        await().until(() -> trigger.scans() == 1); // the first scan is done: the burst is for the watch

        Path uploads = Files.createDirectories(dir.resolve("uploads"));
        try {
            for (int i = 0; i < 10_000; i++) {
                Files.write(uploads.resolve("f" + i), new byte[] {(byte) i});
            }
        } finally {
            written.countDown();
        }

        advanceUntil(() -> runs.size() == 10_000);
        scanOnce(runtime, trigger);
        assertThat(lost).as("the watch overflowed").hasPositiveValue();
        assertThat(runs.values())
                .allSatisfy(sizes -> assertThat(sizes).as("once, whole").containsExactly(1L));
    }

    @Test
    void aThrottledVersionIsOfferedAgainNotDropped() throws Exception {
        DirectoryStore store = DirectoryStore.open(dir);
        CountDownLatch release = new CountDownLatch(1);
        runtime.deploy(FunctionSpec.of("thumbs", Object.class, String.class, () -> (event, context) -> {
                    release.await();
                    handed.add(event);
                    return "ok";
                })
                .withConfig(FunctionConfig.builder()
                        .reservedConcurrency(1)
                        .maxQueuedEvents(1)
                        .build()));
        ObjectTrigger trigger = uploads(store).build();
        runtime.addTrigger(trigger);

        store.put("uploads/a", new byte[1]); // runs, and waits
        store.put("uploads/b", new byte[1]); // queued
        store.put("uploads/c", new byte[1]); // refused: QUEUE_FULL
        try {
            await().until(() -> trigger.pending() >= 1); // c, at least, waits to be offered again
        } finally {
            release.countDown();
        }

        advanceUntil(() -> handed.size() == 3);
        assertThat(created())
                .extracting(ObjectCreatedEvent::key)
                .containsExactlyInAnyOrder("uploads/a", "uploads/b", "uploads/c");
    }

    @Test
    void aFunctionWritingOutsideItsPrefixDoesNotTriggerItself() throws Exception {
        DirectoryStore store = DirectoryStore.open(dir);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        runtime.deploy(FunctionSpec.of("thumbs", ObjectCreatedEvent.class, String.class, () -> (event, context) -> {
            String thumbnail = "thumbnails/" + event.key().substring("uploads/".length());
            store.put(thumbnail, store.read(event.key()));
            handed.add(event);
            return thumbnail;
        }));
        ObjectTrigger trigger = uploads(store).meterRegistry(meters).build();
        runtime.addTrigger(trigger);

        store.put("uploads/cat.jpg", "meow".getBytes(UTF_8));
        await().until(() -> store.stat("thumbnails/cat.jpg").isPresent());
        scanOnce(runtime, trigger);

        assertThat(handed).hasSize(1);
        assertThat(meters.get("faas.objects.events")
                        .tag("type", "created")
                        .counter()
                        .count())
                .isOne();
    }

    @Test
    void aNotificationOfTheWholeStoreIsRefusedUnlessAllowed() throws Exception {
        DirectoryStore store = DirectoryStore.open(dir);
        deploy();

        assertThatThrownBy(() -> runtime.addTrigger(
                        ObjectTrigger.builder(store, "thumbs").build()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("would trigger itself");
        runtime.addTrigger(ObjectTrigger.builder(store, "thumbs")
                .allowWholeStore(true)
                .settle(Duration.ZERO)
                .build());
        store.put("anything", new byte[1]);
        await().until(() -> handed.size() == 1);
    }

    @Test
    void badSettingsAndFunctionsAreRefusedSayingWhatToFix() throws Exception {
        DirectoryStore store = DirectoryStore.open(dir);
        runtime.deploy(FunctionSpec.of("created-only", ObjectCreatedEvent.class, String.class, () -> (e, c) -> "ok"));
        runtime.deploy(FunctionSpec.of("text", String.class, String.class, () -> (e, c) -> e));

        assertThatThrownBy(() -> runtime.addTrigger(uploads(store).build()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("'thumbs', which is not deployed");
        assertThatThrownBy(() -> runtime.addTrigger(
                        ObjectTrigger.builder(store, "text").prefix("uploads/").build()))
                .isInstanceOf(PayloadTypeException.class)
                .hasMessageContaining("ObjectCreatedEvent");
        assertThatThrownBy(() -> runtime.addTrigger(ObjectTrigger.builder(store, "created-only")
                        .prefix("uploads/")
                        .removals(true)
                        .build()))
                .isInstanceOf(PayloadTypeException.class)
                .hasMessageContaining("ObjectRemovedEvent");
        assertThatThrownBy(() -> uploads(store).prefix("../")).isInstanceOf(InvalidKeyException.class);
        assertThatThrownBy(() -> uploads(store).suffix("a/b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> uploads(store).settle(Duration.ofHours(2)))
                .hasMessage("an object trigger's settle time is 0 to 1 h, but was PT2H");
        assertThatThrownBy(() -> uploads(store).reconcileInterval(Duration.ofMillis(10)))
                .hasMessageContaining("1 s to 1 day");
        assertThatThrownBy(() -> uploads(store).name("../x")).hasMessageContaining("state file");
    }

    /** A directory store whose watch holds its first hint until the test has written its burst. */
    private static final class HeldWatch implements ObjectStore {
        private final DirectoryStore store;
        private final CountDownLatch written;
        private final AtomicInteger lost;

        HeldWatch(DirectoryStore store, CountDownLatch written, AtomicInteger lost) {
            this.store = store;
            this.written = written;
            this.lost = lost;
        }

        @Override
        public String name() {
            return store.name();
        }

        @Override
        public List<ObjectInfo> list(String prefix) throws IOException {
            return store.list(prefix);
        }

        @Override
        public Optional<ObjectInfo> stat(String key) throws IOException {
            return store.stat(key);
        }

        @Override
        public InputStream open(String key) throws IOException {
            return store.open(key);
        }

        @Override
        public ObjectInfo put(String key, byte[] content) throws IOException {
            return store.put(key, content);
        }

        @Override
        public boolean delete(String key) throws IOException {
            return store.delete(key);
        }

        @Override
        public AutoCloseable watch(Listener listener) throws IOException {
            return store.watch(new Listener() {
                @Override
                public void changed(String key) {
                    try {
                        written.await(); // the watch thread takes no more events meanwhile: the platform's queue
                        // overflows
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                    }
                    listener.changed(key);
                }

                @Override
                public void lost() {
                    lost.incrementAndGet();
                    listener.lost();
                }
            });
        }
    }
}
