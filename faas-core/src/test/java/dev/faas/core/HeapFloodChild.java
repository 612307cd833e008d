package dev.faas.core;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.MemoryLimitExceededException;
import dev.faas.api.ThrottledException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The child JVM of {@link HeapFloodTest}, started with a small heap: one caller asks for far more
 * parked calls than the heap holds, then lets them all go. It prints how many were taken, how many
 * the heap guard refused, and how every call taken ended, then "survived".
 */
public final class HeapFloodChild {

    private HeapFloodChild() {}

    public static void main(String[] args) throws InterruptedException {
        int attempts = Integer.parseInt(args[0]);
        CountDownLatch release = new CountDownLatch(1);
        // Concurrency as high as the flood: only the heap may say no.
        FaasRuntime runtime = FaasRuntime.builder()
                .concurrencyLimit(attempts)
                .reportLog(false)
                .build();
        FunctionRef<Integer, Integer> parked = runtime.deploy(FunctionSpec.of(
                        "parked", Integer.class, Integer.class, () -> (input, context) -> {
                            release.await();
                            return input;
                        })
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofMinutes(5)).build()));

        List<CompletableFuture<Integer>> taken = new ArrayList<>();
        int refused = 0;
        int refusedOtherwise = 0;
        for (int i = 0; i < attempts; i++) {
            CompletableFuture<Integer> call = parked.invokeAsync(i);
            if (!call.isCompletedExceptionally()) {
                taken.add(call);
            } else if (reason(call) == ThrottledException.Reason.HEAP_PRESSURE) {
                refused++;
            } else {
                refusedOtherwise++;
            }
        }
        System.out.println("taken " + taken.size() + " refused " + refused + " refused otherwise " + refusedOtherwise);

        release.countDown();
        int completed = 0;
        int stopped = 0;
        for (int i = 0; i < taken.size(); i++) {
            try {
                taken.get(i).join();
                completed++;
            } catch (CompletionException e) {
                if (e.getCause() instanceof MemoryLimitExceededException) {
                    stopped++; // by the guard's critical mark: told, not lost
                } else {
                    System.out.println("failed: " + e.getCause());
                }
            }
        }
        System.out.println("completed " + completed + " stopped " + stopped);
        // The flood's garbage may still fill the heap: the guard refuses until a collection (which it
        // asks for when none comes) shows it fallen back, so a caller that follows the hint gets in.
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Integer answer = null;
        while (answer == null) {
            try {
                answer = parked.invoke(7);
            } catch (ThrottledException e) {
                if (e.reason() != ThrottledException.Reason.HEAP_PRESSURE || System.nanoTime() > giveUp) {
                    throw e;
                }
                LockSupport.parkNanos(e.retryAfter().toNanos()); // a client's backoff, as the hint asks
            }
        }
        System.out.println("afterwards " + (answer == 7 ? "taken" : "wrong"));
        runtime.close();
        System.out.println("survived");
    }

    private static ThrottledException.Reason reason(CompletableFuture<Integer> call) {
        try {
            call.join();
            throw new AssertionError("not refused");
        } catch (CompletionException e) {
            return e.getCause() instanceof ThrottledException throttled ? throttled.reason() : null;
        }
    }
}
