package dev.faas.core;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.FunctionTimeoutException;
import dev.faas.api.InvocationReport;
import dev.faas.api.MemoryLimitExceededException;
import dev.faas.api.ThrottledException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link HeapBombTest}, started with a small heap: one call retains a megabyte after
 * another until something gives, in the way its argument says: {@code sleeps} (a millisecond's wait
 * after each, as code that does I/O), {@code checks} (asks {@code context.isCancelled()} after each,
 * never blocking) or {@code spins} (never blocks, never checks). It prints how the call ended, then
 * whether the runtime still serves calls and still times them out, then "survived". Arguments: the
 * way, and the size of each allocation in bytes (1 MB by default: a humongous object for G1 in heaps
 * under 2 GB, allocated straight into the old generation).
 */
public final class HeapBombChild {

    private HeapBombChild() {}

    public static void main(String[] args) throws InterruptedException {
        String kind = args[0];
        int chunk = args.length > 1 ? Integer.parseInt(args[1]) : 1 << 20;
        FaasRuntime runtime =
                FaasRuntime.builder().reportLog(false).failureLog(false).build();
        FunctionRef<Integer, Integer> bomb = runtime.deploy(FunctionSpec.of(
                        "bomb", Integer.class, Integer.class, () -> (ignored, context) -> {
                            List<byte[]> held = new ArrayList<>();
                            while (true) {
                                held.add(new byte[chunk]);
                                switch (kind) {
                                    case "sleeps" -> Thread.sleep(1);
                                    case "checks" -> {
                                        if (context.isCancelled()) {
                                            return held.size();
                                        }
                                    }
                                    default -> {}
                                }
                            }
                        })
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofMinutes(1)).build()));
        FunctionRef<Integer, Integer> light =
                runtime.deploy(FunctionSpec.of("light", Integer.class, Integer.class, () -> (input, context) -> input));
        FunctionRef<Integer, Integer> slow = runtime.deploy(FunctionSpec.of(
                        "slow", Integer.class, Integer.class, () -> (input, context) -> {
                            Thread.sleep(60_000);
                            return input;
                        })
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofMillis(100)).build()));

        InvocationReport report = bomb.invokeForReport(0);
        // Released, the caller may meet the OutOfMemoryError of a bomb that runs on: tell once it has.
        for (boolean told = false; !told; ) {
            try {
                String error = report.error()
                        .map(e -> e.getCause() != null ? e.getCause() : e)
                        .map(e -> e.getClass().getSimpleName())
                        .orElse("none");
                System.out.println("bomb " + report.outcome() + " " + error);
                told = true;
            } catch (OutOfMemoryError notYet) {
                Thread.sleep(10);
            }
        }
        // A host that lives through it: a stopped call that never checks may go on allocating until
        // it meets its OutOfMemoryError, and until then any thread may meet one too; and until a
        // collection shows its memory gone, the guard may stop the light call, the only one running.
        for (int i = 0; i < 1_000; i++) {
            try {
                light.invoke(1);
                System.out.println("serves calls");
                break;
            } catch (ThrottledException | MemoryLimitExceededException | OutOfMemoryError notYet) {
                Thread.sleep(10);
            }
        }
        for (int i = 0; i < 1_000; i++) { // refusals may last until a collection shows the bomb's memory gone
            try {
                slow.invoke(1);
            } catch (FunctionTimeoutException expected) {
                System.out.println("times calls out");
                break;
            } catch (RuntimeException | OutOfMemoryError notYet) {
                Thread.sleep(10);
            }
        }
        runtime.close();
        System.out.println("survived");
    }
}
