package dev.faas.core;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heap-pressure guard. After every garbage collection it reads how full the heap is (what the
 * collection left, in the heap's pools, against the maximum heap). Past the high-water mark it refuses
 * new calls (reason HEAP_PRESSURE; events wait); past the critical mark it also stops one running
 * call, the one furthest over its declared memoryMb by what it has allocated, and looks again after
 * the next collection. Allocation is not retention, so the victim is a heuristic: the call that
 * allocated most beyond what it declared is the likeliest holder. One WARN line per episode.
 *
 * <p>A young collection leaves the old generation's garbage counted, yet it counts here: a heap that
 * is past the critical mark after one is about to fail, and waiting for a full collection means
 * waiting for the OutOfMemoryError (the child-JVM test shows it). Collectors' "Pauses" beans (ZGC,
 * Shenandoah) report usage from before the cycle and are ignored. A JVM that
 * goes quiet once calls are refused may collect no more, so while refusing the guard looks again each
 * second: heap use below the mark, garbage included, ends the refusal, and after {@link #QUIET_NANOS}
 * without a collection it asks for one.
 *
 * <p>The admission check is a volatile read; the rest runs on the JVM's notification thread and, while
 * refusing, on the guard's own virtual thread.
 */
final class HeapGuard implements NotificationListener {

    private static final Logger log = LoggerFactory.getLogger(FaasRuntime.class);
    private static final long RECHECK_MILLIS = 1_000;
    static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Engine engine;
    private final double highWater;
    private final double critical;
    private final long maxHeap = Runtime.getRuntime().maxMemory();
    private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName)
            .collect(Collectors.toUnmodifiableSet());
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    /** The heap's fill after the last collection, in percent, while refusing; -1 when not. */
    private volatile int refusingAtPercent = -1;
    /** When the last collection was reported, on System.nanoTime. */
    private volatile long lastCollectionNanos = System.nanoTime();
    /** Whether it listens to the collector (else a test drives it) and is open. */
    private volatile boolean listening;

    HeapGuard(Engine engine, double highWater, double critical) {
        this.engine = engine;
        this.highWater = highWater;
        this.critical = critical;
    }

    void start() {
        listening = true;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(this, null, null);
                emitters.add(emitter);
            }
        }
    }

    void close() {
        listening = false;
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(this);
            } catch (ListenerNotFoundException ignored) {
                // already gone
            }
        }
    }

    /** Whether new calls are refused, and how full the heap is then (percent); -1 when they are not. */
    int refusingAtPercent() {
        return refusingAtPercent;
    }

    @Override
    public void handleNotification(Notification notification, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info =
                GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        if (info.getGcName().endsWith("Pauses")) {
            return;
        }
        lastCollectionNanos = System.nanoTime();
        long used = 0;
        for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                used += pool.getValue().getUsed();
            }
        }
        afterCollection((double) used / maxHeap);
    }

    /** Decides on one collection's outcome: the heap is {@code fill} full (0 to 1). */
    void afterCollection(double fill) {
        int percent = (int) Math.round(fill * 100);
        boolean wasRefusing = refusingAtPercent >= 0;
        if (fill >= highWater) {
            refusingAtPercent = percent;
            if (!wasRefusing) {
                log.warn("faas: the heap is {}% full after garbage collection, past the high-water mark of {}%: new"
                        + " calls are refused (HEAP_PRESSURE) until it falls back", percent, Math.round(highWater * 100));
                if (listening) {
                    // A platform thread: it must run even when handlers hold every carrier.
                    Thread.ofPlatform().name("faas-heap-guard").daemon().start(this::recheckWhileRefusing);
                }
            }
            if (fill >= critical) {
                stopLargest(percent);
            }
        } else if (wasRefusing) {
            endRefusal(percent + "% full after garbage collection");
        }
    }

    private void endRefusal(String how) {
        refusingAtPercent = -1;
        log.info("faas: the heap is {}: calls are taken again", how);
        engine.capacityReleased(); // events waited: they may run now
    }

    /** While refusing: ends the refusal once heap use, garbage included, is below the mark; asks for a collection when none comes. */
    private void recheckWhileRefusing() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try {
            while (listening && refusingAtPercent >= 0) {
                Thread.sleep(RECHECK_MILLIS);
                long used = memory.getHeapMemoryUsage().getUsed();
                if ((double) used / maxHeap < highWater && refusingAtPercent >= 0) {
                    endRefusal(Math.round(100.0 * used / maxHeap) + "% full");
                } else if (System.nanoTime() - lastCollectionNanos > QUIET_NANOS) {
                    log.debug("faas: no garbage collection for {} s while refusing calls: requesting one",
                            TimeUnit.NANOSECONDS.toSeconds(QUIET_NANOS));
                    lastCollectionNanos = System.nanoTime();
                    System.gc();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the running call furthest over its declared memory: the candidates come from a snapshot,
     * so one that has ended meanwhile is passed over for the next.
     */
    private void stopLargest(int percent) {
        record Candidate(Invocation invocation, long overBudget) { }
        List<Candidate> candidates = engine.work.runningInvocations().stream()
                .map(invocation -> new Candidate(invocation, overBudget(invocation))) // read once: they move
                .sorted(Comparator.comparingLong(Candidate::overBudget).reversed()).toList();
        for (Candidate candidate : candidates) {
            Invocation invocation = candidate.invocation();
            long allocated = invocation.liveAllocatedBytes();
            Deployment function = invocation.deployment();
            String what = allocated < 0 ? "its memoryMb is " + function.config.memoryMb() + " MB (not metered)"
                    : "it allocated " + (allocated >> 20) + " MB against a memoryMb of " + function.config.memoryMb()
                            + " MB";
            if (invocation.stopForMemory("stopped by the heap-pressure guard: the heap was " + percent + "% full and "
                    + what + "; give the JVM more heap, or lower what the function holds")) {
                log.warn("faas: the heap is {}% full after garbage collection, past the critical mark of {}%: stopped"
                        + " {} ({})", percent, Math.round(critical * 100), invocation.describe(), what);
                if (function.metrics != null) {
                    function.metrics.memoryPressure();
                }
                return;
            }
        }
    }

    /** Bytes allocated beyond the declared memoryMb; unmetered calls rank by their memoryMb. */
    private static long overBudget(Invocation invocation) {
        long declared = (long) invocation.deployment().config.memoryMb() << 20;
        long allocated = invocation.liveAllocatedBytes();
        return allocated < 0 ? declared - Long.MAX_VALUE / 2 : allocated - declared;
    }
}
