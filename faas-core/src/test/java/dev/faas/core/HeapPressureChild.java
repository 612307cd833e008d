package dev.faas.core;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvocationReport;
import dev.faas.api.ThrottledException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The child JVM of {@link HeapPressureTest}, started with a small heap: a "hog" call holds more and
 * more memory while "light" calls keep coming. It prints what happened, then "survived".
 */
public final class HeapPressureChild {

    private HeapPressureChild() {}

    public static void main(String[] args) throws InterruptedException {
        // Refusals from 60% full, stops from 95%: the hog grows through the gap for a few hundred
        // milliseconds, so the light calls meet refusals however the collections fall (with the
        // default 90%, one collection could find the heap past both marks at once).
        FaasRuntime runtime = FaasRuntime.builder()
                .allocationMetering(true)
                .reportLog(false)
                .heapPressure(0.60, 0.95)
                .build();
        FunctionRef<Integer, Integer> hog =
                runtime.deploy(FunctionSpec.of("hog", Integer.class, Integer.class, () -> (ignored, context) -> {
                            List<byte[]> held = new ArrayList<>();
                            while (!context.isCancelled()) {
                                held.add(new byte[256 * 1024]);
                                Thread.sleep(5);
                            }
                            return held.size();
                        })
                        .withConfig(FunctionConfig.builder()
                                .memoryMb(8)
                                .timeout(Duration.ofMinutes(5))
                                .build()));
        FunctionRef<Integer, Integer> light =
                runtime.deploy(FunctionSpec.of("light", Integer.class, Integer.class, () -> (input, context) -> input)
                        .withConfig(FunctionConfig.builder().memoryMb(8).build()));

        CompletableFuture<InvocationReport> hogCall =
                CompletableFuture.supplyAsync(() -> hog.invokeForReport(0), Thread::startVirtualThread);
        int throttled = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!hogCall.isDone() && System.nanoTime() < deadline) {
            try {
                light.invoke(1);
            } catch (ThrottledException e) {
                if (e.reason() == ThrottledException.Reason.HEAP_PRESSURE) {
                    throttled++;
                }
            }
            Thread.sleep(10);
        }
        InvocationReport report = hogCall.join();
        System.out.println("hog " + report.outcome() + ": "
                + report.error().map(Throwable::getMessage).orElse(""));
        System.out.println("throttled " + throttled);
        for (int i = 0; i < 500; i++) {
            try {
                light.invoke(1);
                System.out.println("recovered");
                break;
            } catch (ThrottledException e) {
                System.gc(); // the hog's memory is garbage now: let the guard see it go
                Thread.sleep(20);
            }
        }
        runtime.close();
        System.out.println("survived");
    }
}
