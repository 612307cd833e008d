package dev.faas.core;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 * <p>The admission check is a volatile read; everything else runs on the JVM's notification thread.
 */
final class HeapGuard implements NotificationListener {

    private static final Logger log = LoggerFactory.getLogger(FaasRuntime.class);

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

    HeapGuard(Engine engine, double highWater, double critical) {
        this.engine = engine;
        this.highWater = highWater;
        this.critical = critical;
    }

    void start() {
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(this, null, null);
                emitters.add(emitter);
            }
        }
    }

    void close() {
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
            }
            if (fill >= critical) {
                stopLargest(percent);
            }
        } else if (wasRefusing) {
            refusingAtPercent = -1;
            log.info("faas: the heap is {}% full after garbage collection: calls are taken again", percent);
            engine.capacityReleased(); // events waited: they may run now
        }
    }

    /** Stops the running call furthest over its declared memory. */
    private void stopLargest(int percent) {
        Optional<Invocation> victim = engine.work.runningInvocations().stream()
                .max(Comparator.comparingLong(HeapGuard::overBudget));
        victim.ifPresent(invocation -> {
            long allocated = invocation.liveAllocatedBytes();
            Deployment function = invocation.deployment();
            String what = allocated < 0 ? "its memoryMb is " + function.config.memoryMb() + " MB (not metered)"
                    : "it allocated " + (allocated >> 20) + " MB against a memoryMb of " + function.config.memoryMb()
                            + " MB";
            log.warn("faas: the heap is {}% full after garbage collection, past the critical mark of {}%: stopping {}"
                    + " ({})", percent, Math.round(critical * 100), invocation.describe(), what);
            invocation.stopForMemory("stopped by the heap-pressure guard: the heap was " + percent + "% full and "
                    + what + "; give the JVM more heap, or lower what the function holds");
            if (function.metrics != null) {
                function.metrics.memoryPressure();
            }
        });
    }

    /** Bytes allocated beyond the declared memoryMb; unmetered calls rank by their memoryMb. */
    private static long overBudget(Invocation invocation) {
        long declared = (long) invocation.deployment().config.memoryMb() << 20;
        long allocated = invocation.liveAllocatedBytes();
        return allocated < 0 ? declared - Long.MAX_VALUE / 2 : allocated - declared;
    }
}
