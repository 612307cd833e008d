package dev.faas.core;

import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.ledger.Durability;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link JournalCrashTest}: records invocations from many callers under the
 * durability it is given, and prints each request id once its call has returned (buffered, so that
 * printing does not slow the callers: a line the parent reads was acknowledged, one lost in the
 * buffer was never counted), until it is killed.
 *
 * <p>Arguments: the journal directory, {@code sync}, {@code every} (50 ms) or {@code os}, and the
 * number of callers.
 */
public final class JournalCrashChild {

    private JournalCrashChild() {}

    public static void main(String[] args) throws InterruptedException {
        Durability durability = switch (args[1]) {
            case "sync" -> Durability.sync();
            case "every" -> Durability.every(Duration.ofMillis(50));
            default -> Durability.os();
        };
        int callers = Integer.parseInt(args[2]);
        PrintStream out = new PrintStream(
                new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                false,
                StandardCharsets.UTF_8);
        FaasRuntime runtime = FaasRuntime.builder()
                .ledgerJournal(Path.of(args[0]), durability)
                .reportLog(false)
                .concurrencyLimit(callers)
                .build();
        FunctionRef<Integer, Integer> work = runtime.deploy(
                FunctionSpec.of("crash-test", Integer.class, Integer.class, () -> (input, context) -> input * 2));
        Thread.ofPlatform().daemon().start(() -> {
            while (true) {
                out.flush();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < callers; t++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; ; i++) {
                    String requestId = work.invokeForReport(i).requestId();
                    out.println("returned " + requestId);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }
}
