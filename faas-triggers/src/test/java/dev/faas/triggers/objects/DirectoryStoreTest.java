package dev.faas.triggers.objects;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class DirectoryStoreTest {

    @TempDir
    Path root;

    private static String md5(String content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(content.getBytes(UTF_8)));
    }

    @Test
    void putWritesWholeAndListStatAndReadGiveItBack() throws Exception {
        DirectoryStore store = DirectoryStore.open(root.resolve("photos"));

        ObjectInfo cat = store.put("2026/cat.jpg", "meow".getBytes(UTF_8));
        store.put("2026/dog.jpg", "woof".getBytes(UTF_8));
        store.put("2025/owl.jpg", "hoot".getBytes(UTF_8));

        assertThat(store.name()).isEqualTo("photos");
        assertThat(cat.etag()).isEqualTo(md5("meow"));
        assertThat(cat.size()).isEqualTo(4);
        assertThat(store.read("2026/cat.jpg")).asString(UTF_8).isEqualTo("meow");
        assertThat(store.stat("2026/cat.jpg")).contains(cat);
        assertThat(store.stat("2026/cow.jpg")).isEmpty();
        assertThat(store.list(""))
                .extracting(ObjectInfo::key)
                .containsExactly("2025/owl.jpg", "2026/cat.jpg", "2026/dog.jpg");
        assertThat(store.list("2026/")).extracting(ObjectInfo::key).containsExactly("2026/cat.jpg", "2026/dog.jpg");
        assertThat(store.list("2026/d")).extracting(ObjectInfo::key).containsExactly("2026/dog.jpg");
        assertThat(store.list("2027/")).isEmpty();
        try (var files = Files.walk(store.root())) {
            assertThat(files.filter(Files::isRegularFile)
                            .map(path -> path.getFileName().toString()))
                    .as("no temporary file left")
                    .containsExactlyInAnyOrder("cat.jpg", "dog.jpg", "owl.jpg");
        }
    }

    @Test
    void anOverwriteIsANewEtagAndADeleteLeavesNothing() throws Exception {
        DirectoryStore store = DirectoryStore.open(root);
        store.put("notes.txt", "one".getBytes(UTF_8));

        ObjectInfo again = store.put("notes.txt", "two".getBytes(UTF_8));

        assertThat(again.etag()).isEqualTo(md5("two"));
        assertThat(store.list("")).containsExactly(again);
        assertThat(store.delete("notes.txt")).isTrue();
        assertThat(store.delete("notes.txt")).isFalse();
        assertThat(store.list("")).isEmpty();
        assertThatThrownBy(() -> store.read("notes.txt")).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void aFileChangedByAnotherHandIsHashedAgain() throws Exception {
        DirectoryStore store = DirectoryStore.open(root);
        Files.writeString(root.resolve("a.txt"), "first");
        assertThat(store.list("")).singleElement().extracting(ObjectInfo::etag).isEqualTo(md5("first"));

        Files.writeString(root.resolve("a.txt"), "second, longer");

        assertThat(store.list("")).singleElement().extracting(ObjectInfo::etag).isEqualTo(md5("second, longer"));
    }

    @Test
    void aRewriteThatKeepsSizeAndTimeIsStillANewEtag() throws Exception {
        DirectoryStore store = DirectoryStore.open(root);
        Path file = Files.writeString(root.resolve("a.txt"), "AAAA");
        FileTime written = Files.getLastModifiedTime(file);
        assertThat(store.stat("a.txt")).map(ObjectInfo::etag).contains(md5("AAAA"));

        Files.writeString(file, "BBBB");
        Files.setLastModifiedTime(file, written); // as touch -r, cp -p or rsync -t leave it

        assertThat(store.stat("a.txt")).map(ObjectInfo::etag).contains(md5("BBBB"));
    }

    @Test
    void keysAreListedInS3sOrderTheirUtf8Bytes() throws Exception {
        DirectoryStore store = DirectoryStore.open(root);
        store.put("k\uFF61", new byte[1]); // U+FF61: three bytes, and one UTF-16 unit above the surrogates
        store.put("k\uD83D\uDE00", new byte[1]); // U+1F600: four bytes, two UTF-16 units below U+FF61's

        assertThat(store.list("")).extracting(ObjectInfo::key).containsExactly("k\uFF61", "k\uD83D\uDE00");
    }

    @Test
    void aStoreWhoseDirectoryIsGoneCannotBeListedRatherThanLookingEmpty() throws Exception {
        DirectoryStore store = DirectoryStore.open(root.resolve("mount"));
        store.put("a", new byte[1]);
        Files.move(store.root(), root.resolve("elsewhere"));

        assertThatThrownBy(() -> store.list("")).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void aKeyThatIsAlsoAnotherKeysDirectoryIsRefusedSayingWhy() throws Exception {
        DirectoryStore store = DirectoryStore.open(root);
        store.put("a/b", new byte[1]);
        store.put("c", new byte[1]);

        assertThatThrownBy(() -> store.put("a", new byte[1]))
                .isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining("other objects' keys start with 'a/'");
        assertThatThrownBy(() -> store.put("c/d", new byte[1]))
                .isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining("'c' is an object");
    }

    @Test
    void hiddenNamesAndTheStoresOwnFilesAreNotObjects() throws Exception {
        DirectoryStore store = DirectoryStore.open(root);
        Files.writeString(root.resolve(".hidden"), "x");
        Files.createDirectories(root.resolve(".faas"));
        Files.writeString(root.resolve(".faas/state.json"), "{}");
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("docs/.draft.swp"), "x");
        Files.writeString(root.resolve("docs/report.pdf"), "pdf");

        assertThat(store.list("")).extracting(ObjectInfo::key).containsExactly("docs/report.pdf");
    }

    @Test
    void keysThatCouldLeaveTheStoreAreRefusedSayingWhy() throws Exception {
        DirectoryStore store = DirectoryStore.open(root);

        assertThat(List.of(
                        "",
                        "/etc/passwd",
                        "../outside",
                        "a/../../b",
                        "a//b",
                        "a/./b",
                        "a/",
                        "a\\..\\b",
                        ".faas/x",
                        "a/.hidden",
                        "tab\there",
                        "x".repeat(1025),
                        "lone\uD83D"))
                .allSatisfy(key -> assertThatThrownBy(() -> store.put(key, new byte[0]))
                        .as(key)
                        .isInstanceOf(InvalidKeyException.class)
                        .hasMessageStartingWith("invalid object key '"));
        assertThatThrownBy(() -> store.read("../outside"))
                .isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining("must not have a '..' segment");
        assertThatThrownBy(() -> store.list("../"))
                .isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining("as a prefix");
        assertThat(ObjectKeys.isValid("é".repeat(512))).as("1,024 bytes").isTrue();
        assertThat(ObjectKeys.isValid("é".repeat(513))).as("1,026 bytes").isFalse();
    }

    @Test
    void symbolicLinksAreNotFollowedOutOfTheStore() throws Exception {
        Path outside = Files.createDirectories(root.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "secret");
        DirectoryStore store = DirectoryStore.open(root.resolve("store"));
        Files.createSymbolicLink(store.root().resolve("link"), outside);
        Files.createSymbolicLink(store.root().resolve("evil.txt"), outside.resolve("secret.txt"));
        store.put("real.txt", "mine".getBytes(UTF_8));

        assertThat(store.list("")).extracting(ObjectInfo::key).containsExactly("real.txt");
        assertThat(store.stat("link/secret.txt")).isEmpty();
        assertThat(store.stat("evil.txt")).isEmpty();
        assertThatThrownBy(() -> store.read("link/secret.txt")).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> store.read("evil.txt")).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> store.put("link/planted.txt", new byte[1]))
                .isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> store.put("link/made/by/put.txt", new byte[1]))
                .isInstanceOf(InvalidKeyException.class);
        assertThat(store.delete("evil.txt")).isFalse();
        assertThat(outside.resolve("planted.txt")).doesNotExist();
        assertThat(outside.resolve("made"))
                .as("nothing made outside on the way")
                .doesNotExist();
        assertThat(outside.resolve("secret.txt")).hasContent("secret");
    }

    @Test
    void aFileThatIsNoObjectGivesOneWarningAndACountAndTheRestIsListed() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        DirectoryStore store = DirectoryStore.builder(root)
                .name("uploads")
                .meterRegistry(meters)
                .build();
        Files.writeString(root.resolve("bad\u0001name.txt"), "x"); // a name no store takes as a key
        store.put("good.txt", "ok".getBytes(UTF_8));

        assertThat(store.list("")).extracting(ObjectInfo::key).containsExactly("good.txt");
        assertThat(store.list("")).hasSize(1);
        assertThat(store.unreadable()).as("once, not at each listing").isOne();
        assertThat(meters.get("faas.objects.unreadable")
                        .tag("store", "uploads")
                        .counter()
                        .count())
                .isOne();
    }

    @Test
    void theWatchHintsAtChangesInEveryDirectory() throws Exception {
        DirectoryStore store = DirectoryStore.open(root);
        Files.createDirectories(root.resolve("in/deep"));
        Queue<String> changed = new ConcurrentLinkedQueue<>();
        AtomicInteger lost = new AtomicInteger();

        AutoCloseable watch = store.watch(listener(changed::add, lost::incrementAndGet));
        try {
            store.put("top.txt", new byte[1]);
            store.put("in/deep/low.txt", new byte[1]);
            Files.createDirectories(root.resolve("new"));
            await().until(() -> lost.get() >= 1); // a directory made: what it held made no events
            Files.writeString(root.resolve("new/late.txt"), "x");

            await().until(() -> changed.containsAll(List.of("top.txt", "in/deep/low.txt", "new/late.txt")));
        } finally {
            watch.close();
        }
        assertThat(changed).as("its own temporary names are not told").noneMatch(key -> key.contains(".faas"));
    }

    @Test
    void aRenamedDirectoryIsWatchedUnderItsNewName() throws Exception {
        DirectoryStore store = DirectoryStore.open(root);
        Files.createDirectories(root.resolve("old"));
        Queue<String> changed = new ConcurrentLinkedQueue<>();
        AtomicInteger lost = new AtomicInteger();
        AutoCloseable watch = store.watch(listener(changed::add, lost::incrementAndGet));
        try {
            Files.move(root.resolve("old"), root.resolve("new"));
            await().until(() -> lost.get() >= 1);
            Files.writeString(root.resolve("new/late.txt"), "x");

            await().until(() -> changed.contains("new/late.txt"));
            assertThat(changed).doesNotContain("old/late.txt");
        } finally {
            watch.close();
        }
    }

    @Test
    void triggersOnOneStoreShareOneWatch() throws Exception {
        DirectoryStore store = DirectoryStore.open(root);
        Queue<String> first = new ConcurrentLinkedQueue<>();
        Queue<String> second = new ConcurrentLinkedQueue<>();
        AutoCloseable one = store.watch(listener(first::add, () -> {}));
        AutoCloseable two = store.watch(listener(second::add, () -> {}));
        try {
            store.put("both.txt", new byte[1]);
            await().until(() -> first.contains("both.txt") && second.contains("both.txt"));
            one.close();
            store.put("second-only.txt", new byte[1]);
            await().until(() -> second.contains("second-only.txt"));
            assertThat(first).doesNotContain("second-only.txt");
        } finally {
            one.close();
            two.close();
        }
    }

    @Test
    void aWatchThatOverflowsSaysChangesWereLost() throws Exception {
        DirectoryStore store = DirectoryStore.open(root);
        CountDownLatch held = new CountDownLatch(1);
        AtomicInteger lost = new AtomicInteger();
        ObjectStore.Listener slow = listener(
                key -> {
                    try {
                        held.await(); // the watch thread stops taking events: the platform's queue fills
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                    }
                },
                lost::incrementAndGet);

        AutoCloseable watch = store.watch(slow);
        try {
            Files.writeString(root.resolve("first.txt"), "x");
            try {
                for (int i = 0; i < 2_000; i++) {
                    Files.writeString(root.resolve("f" + i + ".txt"), "x");
                }
            } finally {
                held.countDown();
            }

            await().atMost(20, TimeUnit.SECONDS).until(() -> lost.get() >= 1);
        } finally {
            watch.close();
        }
    }

    private static ObjectStore.Listener listener(java.util.function.Consumer<String> changed, Runnable lost) {
        return new ObjectStore.Listener() {
            @Override
            public void changed(String key) {
                changed.accept(key);
            }

            @Override
            public void lost() {
                lost.run();
            }
        };
    }

    @Test
    void aStoreOnAFileIsRefused() throws IOException {
        Path file = Files.writeString(root.resolve("file"), "x");

        assertThatThrownBy(() -> DirectoryStore.open(file)).isInstanceOf(IOException.class);
    }
}
