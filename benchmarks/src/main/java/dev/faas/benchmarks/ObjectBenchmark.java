package dev.faas.benchmarks;

import dev.faas.api.FunctionSpec;
import dev.faas.api.events.ObjectCreatedEvent;
import dev.faas.core.FaasRuntime;
import dev.faas.triggers.objects.DirectoryStore;
import dev.faas.triggers.objects.ObjectTrigger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Files dropped into a directory until a function has handled each, per file: 1,000 files of 1 KiB,
 * each written under a temporary name and moved into place (as uploaders that write whole do), then
 * waited for. {@code objectTrigger}: a {@link DirectoryStore} watched by an {@link ObjectTrigger}
 * (settle zero, as the moves make whole files) handing each to a function as an EVENT invocation
 * (the etag read and hashed, the event queued, run, recorded); {@code bareWatchService}: a
 * {@link WatchService} loop on a virtual thread, each created file a plain method call. Both
 * directories are emptied after each iteration.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ObjectBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@OperationsPerInvocation(ObjectBenchmark.FILES)
public class ObjectBenchmark {

    static final int FILES = 1_000;

    private final byte[] content = new byte[1024];
    private Path base;
    private Path watched;
    private Path uploads;
    private FaasRuntime runtime;
    private WatchService bare;
    private Thread bareLoop;
    private volatile CountDownLatch handled = new CountDownLatch(0);
    private long next;

    @Setup
    public void setUp() throws IOException {
        base = Files.createTempDirectory("faas-object-benchmark");
        watched = Files.createDirectories(base.resolve("bare"));
        uploads = Files.createDirectories(base.resolve("store/uploads"));
        runtime = FaasRuntime.builder().reportLog(false).build();
        runtime.deploy(FunctionSpec.of("handle", ObjectCreatedEvent.class, String.class, () -> (event, context) -> {
            handled.countDown();
            return event.key();
        }));
        DirectoryStore store = DirectoryStore.open(base.resolve("store"));
        runtime.addTrigger(ObjectTrigger.builder(store, "handle")
                .prefix("uploads/")
                .settle(Duration.ZERO)
                .stateInMemory()
                .build());
        bare = watched.getFileSystem().newWatchService();
        watched.register(bare, StandardWatchEventKinds.ENTRY_CREATE);
        bareLoop = Thread.ofVirtual().start(this::watchBare);
    }

    private void watchBare() {
        try {
            while (true) {
                WatchKey key = bare.take();
                for (WatchEvent<?> event : key.pollEvents()) {
                    Path name = (Path) event.context();
                    if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE
                            && !name.toString().startsWith(".")) {
                        handled.countDown();
                    }
                }
                key.reset();
            }
        } catch (InterruptedException | ClosedWatchServiceException stopped) {
            // tearDown
        }
    }

    @TearDown(Level.Iteration)
    public void empty() throws IOException {
        for (Path dir : new Path[] {watched, uploads}) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Files.delete(file);
                }
            }
        }
    }

    @TearDown
    public void tearDown() throws IOException, InterruptedException {
        runtime.close();
        bare.close();
        bareLoop.join();
        try (Stream<Path> all = Files.walk(base)) {
            all.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @Benchmark
    public void objectTrigger() throws InterruptedException {
        drop(uploads);
    }

    @Benchmark
    public void bareWatchService() throws InterruptedException {
        drop(watched);
    }

    /** Drops the files, each written under a temporary name and moved into place, and waits for them all. */
    private void drop(Path dir) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(FILES);
        handled = done;
        try {
            for (int i = 0; i < FILES; i++) {
                String name = "f" + next++;
                Path temporary = dir.resolve("." + name);
                Files.write(temporary, content);
                Files.move(temporary, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException failure) {
            throw new UncheckedIOException(failure);
        }
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(done.getCount() + " of " + FILES + " files were not handled in 60 s");
        }
    }
}
