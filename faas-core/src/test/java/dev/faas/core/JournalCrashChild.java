package dev.faas.core;

import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link JournalCrashTest}: records invocations under sync durability from eight
 * threads, and prints each request id once its call has returned, until it is killed.
 */
public final class JournalCrashChild {

    private JournalCrashChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        FaasRuntime runtime = FaasRuntime.builder().ledgerJournal(Path.of(args[0])).reportLog(false).build();
        FunctionRef<Integer, Integer> work = runtime.deploy(
                FunctionSpec.of("crash-test", Integer.class, Integer.class, () -> (input, context) -> input * 2));
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; ; i++) {
                    String requestId = work.invokeForReport(i).requestId();
                    System.out.println("returned " + requestId);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }
}
