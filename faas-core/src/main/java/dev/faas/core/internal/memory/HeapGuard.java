package dev.faas.core.internal.memory;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.faas.core.internal.util.Failures;
import dev.faas.core.internal.util.Logs;
import dev.faas.core.internal.util.Periodic;
import dev.faas.core.internal.work.WorkTracker;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
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
 * <p>Refusing only past the high-water mark would be too late for a flood: a host can start tens of
 * thousands of calls between two collections, and a call takes most of what it holds (its thread's
 * stack, as it parks) only once its thread has run, which under a flood may be long after it was
 * admitted. So each collection also sets a ceiling on the calls in flight: those in flight, less
 * those yet to run their handlers, plus as many as half the room left below {@link #CEILING_AIM}
 * of the high-water mark holds, at what a call was last seen to take (the heap's growth over the
 * growth of the calls that run their handlers, between collections;
 * {@link #UNMEASURED_BYTES_PER_CALL} until measured, and never less than
 * {@link #MIN_BYTES_PER_CALL}). Calls past the ceiling are refused with
 * HEAP_PRESSURE, as past the mark. The calls that have run are estimated from a sample of the calls
 * in flight ({@link WorkTracker#estimate}), and only when there could be enough of them to matter;
 * else all are taken as yet to run.
 *
 * <p>Between collections it also polls the old generation, every {@link #POLL_MILLIS} ms: objects
 * too large for the young generation go straight there, and a call that retains them fills the heap
 * with no young collection to report it. A poll past the marks acts as a collection's report would,
 * judged on where the next poll would find the heap at its present rate; it stops at most one call
 * until a collection has been looked at. A stop allocates next to nothing before its interrupt (the
 * heap may be all but gone: the victim is found without allocating), and once a call is stopped the
 * guard asks for a collection, so that what it held is seen to go.
 *
 * <p>The admission check is a volatile read; the rest runs on the JVM's notification thread, on one
 * polling platform thread for all runtimes and, while refusing, on a platform thread of its own:
 * none of them needs a carrier, and each lives through an OutOfMemoryError.
 */
public final class HeapGuard implements NotificationListener {

    private static final Logger log = LoggerFactory.getLogger(Logs.RUNTIME);
    private static final long RECHECK_MILLIS = 1_000;
    private static final long POLL_MILLIS = 2;
    /** One platform thread polls the old generation for every runtime's guard. */
    private static final Periodic POLLER = new Periodic("faas-heap-poll", Duration.ofMillis(POLL_MILLIS));

    static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** How far under the high-water mark the heap must fall for a refusal episode to end. */
    static final double ALL_CLEAR_BELOW = 0.1;
    /**
     * Where the ceiling aims, as a share of the high-water mark: a heap held full of live calls right
     * up to the mark leaves the collector too little room for the garbage around them (in a 64 MB
     * G1 heap, aiming at the mark itself had the guard stopping calls at its critical mark).
     */
    public static final double CEILING_AIM = 0.9;
    /** What a call in flight is taken to hold before the heap has been seen to grow with calls. */
    public static final long UNMEASURED_BYTES_PER_CALL = 4_096;
    /** What a parked call holds at the least: its virtual thread, its stack, its bookkeeping. */
    static final long MIN_BYTES_PER_CALL = 1_536;
    /** How many more calls running their handlers between two collections measure what a call holds. */
    private static final int MIN_GROWTH_MEASURED = 256;

    private final WorkTracker work;
    /** The runtime's calls in flight on its shared pool (reserved concurrency bounds the rest). */
    private final IntSupplier callsInFlight;
    /** Tells the event queues that wait for capacity that calls may run again. */
    private final Runnable capacityReleased;

    private final double highWater;
    private final double critical;
    private final long maxHeap = Runtime.getRuntime().maxMemory();
    private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP)
            .map(MemoryPoolMXBean::getName)
            .collect(Collectors.toUnmodifiableSet());
    /** The generations that objects too large for the young one go to: what the poll reads. */
    private final List<MemoryPoolMXBean> oldPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP
                    && pool.isValid()
                    && (pool.getName().contains("Old Gen") || pool.getName().contains("Tenured")))
            .toList();

    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private Runnable stopPolling;
    private double lastPollFill; // the poller's thread only
    /** Polls in a row past the high-water mark since a collection last found the heap below it. */
    private volatile int pollsPastMark;

    private final Finder finder = new Finder();
    /** Whether a call was stopped since the last collection was looked at: one stop per collection. */
    private volatile boolean stoppedSinceCollection;
    /** Whether a call was stopped since the recheck last asked for a collection. */
    private volatile boolean collectAfterStop;
    /** Whether the recheck thread runs; started and ended under this guard's lock. */
    private boolean rechecking;
    /** The heap's fill after the last collection, in percent, while refusing; -1 when not. */
    private volatile int refusingAtPercent = -1;
    /** How many calls may be in flight, set after each collection; and how full the heap was then. */
    private volatile int ceiling;

    private volatile int ceilingAtPercent;
    /** What a call in flight was last seen to hold, and the measure it came from; under this guard's lock. */
    private long bytesPerCall = UNMEASURED_BYTES_PER_CALL;

    private long measuredUsed = -1;
    private int measuredHandling;
    /** Whether the ceiling was near the calls in flight at the last collection: one WARN per episode. */
    private boolean ceilingNear;
    /**
     * Whether this episode's WARN was logged: a heap at the mark passes it again and again, and an
     * episode ends only once the heap is {@link #ALL_CLEAR_BELOW} under it.
     */
    private boolean warnedThisEpisode;
    /** When the last collection was reported, on System.nanoTime. */
    private volatile long lastCollectionNanos = System.nanoTime();
    /** Whether it listens to the collector (else a test drives it) and is open. */
    private volatile boolean listening;

    public HeapGuard(
            WorkTracker work, IntSupplier callsInFlight, Runnable capacityReleased, double highWater, double critical) {
        this.work = work;
        this.callsInFlight = callsInFlight;
        this.capacityReleased = capacityReleased;
        this.highWater = highWater;
        this.critical = critical;
        // From the first call on: a flood can start more calls than the heap holds before the first
        // collection reports. What is in use now, garbage included, errs high.
        long inUse = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        setCeiling((double) inUse / maxHeap);
    }

    public void start() {
        listening = true;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(this, null, null);
                emitters.add(emitter);
            }
        }
        if (!oldPools.isEmpty()) {
            stopPolling = POLLER.add(this::pollOldGeneration);
        }
    }

    /**
     * Between collections: how full the old generation is now, garbage included. Objects too large for
     * the young generation (G1's humongous ones: half a region or more, 512 KB in heaps under 2 GB)
     * go straight there, and a call that retains them fills the heap with no young collection to
     * report it; past the marks this acts as a collection's report would, but stops at most one call
     * until a collection has run and been looked at.
     */
    private void pollOldGeneration() {
        try {
            long used = 0;
            for (MemoryPoolMXBean pool : oldPools) {
                used += pool.getUsage().getUsed();
            }
            double fill = (double) used / maxHeap;
            // A heap filling fast passes the critical mark and fails within a poll or two: act on
            // where the next poll would find it.
            double next = fill + Math.max(0, fill - lastPollFill);
            lastPollFill = fill;
            // Two polls in a row, with no collection between them that found the heap fine: the
            // generation's figure right after a collection can still hold what it has just freed.
            pollsPastMark = fill >= highWater ? pollsPastMark + 1 : 0;
            if (pollsPastMark >= 2) {
                pressure(Math.max(fill, Math.min(next, 1.0)), "the old generation is", !stoppedSinceCollection);
            }
        } catch (Throwable unexpected) {
            Failures.survived("the heap-pressure guard's poll", unexpected);
        }
    }

    public void close() {
        listening = false;
        if (stopPolling != null) {
            stopPolling.run();
        }
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(this);
            } catch (ListenerNotFoundException ignored) {
                // already gone
            }
        }
    }

    /**
     * Whether one more call may start with {@code inFlight} in flight on the shared pool: -1 when it
     * may, else how full the heap was found (percent). Two volatile reads.
     */
    public int refusesAt(int inFlight) {
        int refusing = refusingAtPercent;
        if (refusing >= 0) {
            return refusing;
        }
        return inFlight < ceiling ? -1 : ceilingAtPercent;
    }

    /** The calls that may be in flight on the shared pool, as the last collection set it. */
    public int ceiling() {
        return ceiling;
    }

    @Override
    public void handleNotification(Notification notification, Object handback) {
        try {
            onNotification(notification);
        } catch (Throwable unexpected) { // the JDK's notification thread must live on, and so must the guard
            Failures.survived("the heap-pressure guard", unexpected);
        }
    }

    private void onNotification(Notification notification) {
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
        for (Map.Entry<String, MemoryUsage> pool :
                info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                used += pool.getValue().getUsed();
            }
        }
        afterCollection((double) used / maxHeap);
    }

    /** Decides on one collection's outcome: the heap is {@code fill} full (0 to 1). */
    public synchronized void afterCollection(double fill) {
        stoppedSinceCollection = false;
        setCeiling(fill);
        if (fill < highWater) {
            pollsPastMark = 0;
        }
        if (fill < highWater - ALL_CLEAR_BELOW) {
            warnedThisEpisode = false;
        }
        if (fill >= highWater) {
            pressure(fill, "the heap is", true);
        } else if (refusingAtPercent >= 0) {
            endRefusal(fill, "after garbage collection");
        }
    }

    /**
     * The calls in flight, less those yet to run their handlers (which are yet to take what a parked
     * call holds), plus as many as half the room below {@link #CEILING_AIM} of the high-water mark
     * holds. Called with the heap {@code fill} full (0 to 1), under this guard's lock or from its
     * constructor.
     */
    private void setCeiling(double fill) {
        long used = (long) (fill * maxHeap);
        long room = Math.max(0, (long) (CEILING_AIM * highWater * maxHeap) - used);
        int inFlight = callsInFlight.getAsInt();
        long more = room / 2 / bytesPerCall;
        int handling = 0;
        if (inFlight >= more / 2) { // enough in flight to matter: count those that have run
            handling = work.estimate(RunningCall.class, RunningCall::isHandling);
            measureBytesPerCall(used, handling);
            more = room / 2 / bytesPerCall;
        } else {
            measuredUsed = -1;
        }
        int before = ceiling;
        ceiling = (int) Math.min(Integer.MAX_VALUE, handling + more);
        ceilingAtPercent = (int) Math.round(fill * 100);
        if (ceiling > before && before <= inFlight) {
            capacityReleased.run(); // events waited: they may run now
        }
        if (fill >= highWater) {
            return; // refused outright: that has its own WARN
        }
        if (!ceilingNear && inFlight >= ceiling / 2) {
            ceilingNear = true;
            log.warn(
                    "faas: the heap is {}% full with {} calls in flight, about {} bytes each: calls past {} in flight"
                            + " are refused (HEAP_PRESSURE), so that the heap stays below the high-water mark of {}%",
                    ceilingAtPercent, inFlight, bytesPerCall, ceiling, Math.round(highWater * 100));
        } else if (ceilingNear && inFlight < ceiling / 4) {
            ceilingNear = false;
            log.info(
                    "faas: the heap is {}% full with {} calls in flight: room for {}",
                    ceilingAtPercent, inFlight, ceiling);
        }
    }

    /**
     * What a call in flight holds: the heap's growth over the growth of the calls running their
     * handlers since the last measure, once they have grown enough to tell; a shrinking heap or
     * fewer calls start the measure again. Garbage the young collections leave in the old
     * generation counts too, so this errs high, which only lowers the ceiling.
     */
    private void measureBytesPerCall(long used, int handling) {
        if (measuredUsed < 0 || used < measuredUsed || handling < measuredHandling) {
            measuredUsed = used;
            measuredHandling = handling;
        } else if (handling - measuredHandling >= MIN_GROWTH_MEASURED) {
            bytesPerCall = Math.max(MIN_BYTES_PER_CALL, (used - measuredUsed) / (handling - measuredHandling));
            measuredUsed = used;
            measuredHandling = handling;
        }
    }

    /** Refuses new calls and, past the critical mark and when {@code mayStop}, stops the likeliest holder. */
    private synchronized void pressure(double fill, String what, boolean mayStop) {
        int percent = (int) Math.round(fill * 100);
        boolean wasRefusing = refusingAtPercent >= 0;
        refusingAtPercent = percent;
        // The stop first: it allocates least, and the heap may be all but gone.
        if (fill >= critical && mayStop && stopLargest(percent)) {
            stoppedSinceCollection = true;
            collectAfterStop = true;
        }
        if (listening && !rechecking) {
            // A platform thread: it must run even when handlers hold every carrier.
            rechecking = true;
            try {
                Thread.ofPlatform().name("faas-heap-guard").daemon().start(this::recheckWhileRefusing);
            } catch (Throwable noThread) {
                rechecking = false; // the next report tries again
            }
        }
        if (!wasRefusing && !warnedThisEpisode) {
            warnedThisEpisode = true;
            log.warn(
                    "faas: {} {}% full{}, past the high-water mark of {}%: new calls are refused (HEAP_PRESSURE) until"
                            + " it falls back",
                    what,
                    percent,
                    what.startsWith("the heap") ? " after garbage collection" : "",
                    Math.round(highWater * 100));
        }
    }

    private synchronized void endRefusal(double fill, String when) {
        refusingAtPercent = -1;
        if (fill < highWater - ALL_CLEAR_BELOW) {
            log.info("faas: the heap is {}% full {}: calls are taken again", Math.round(fill * 100), when);
        } else { // at the mark still: it may be passed again at once, and the episode's WARN has been said
            log.debug("faas: the heap is {}% full {}: calls are taken again", Math.round(fill * 100), when);
        }
        capacityReleased.run(); // events waited: they may run now
    }

    /** While refusing: ends the refusal once heap use, garbage included, is below the mark; asks for a collection when none comes. */
    private void recheckWhileRefusing() {
        try {
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            while (true) {
                synchronized (this) { // decided with pressure(), which starts this thread only when none runs
                    if (!listening || refusingAtPercent < 0) {
                        rechecking = false;
                        return;
                    }
                }
                Thread.sleep(RECHECK_MILLIS);
                long used = memory.getHeapMemoryUsage().getUsed();
                if ((double) used / maxHeap < highWater && refusingAtPercent >= 0) {
                    synchronized (this) { // as a collection would: the ceiling is the one it set at the mark
                        setCeiling((double) used / maxHeap);
                        endRefusal((double) used / maxHeap, "with its garbage");
                    }
                } else if (collectAfterStop || System.nanoTime() - lastCollectionNanos > QUIET_NANOS) {
                    // A call just stopped leaves what it held as garbage, which may sit in the old
                    // generation until a full collection: ask for one, rather than refuse for long.
                    log.debug(
                            "faas: {} while refusing calls: requesting a garbage collection",
                            collectAfterStop
                                    ? "a call was stopped"
                                    : "no garbage collection for " + TimeUnit.NANOSECONDS.toSeconds(QUIET_NANOS)
                                            + " s");
                    collectAfterStop = false;
                    lastCollectionNanos = System.nanoTime();
                    System.gc();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            rechecking = false;
        } catch (Throwable unexpected) {
            rechecking = false;
            Failures.survived("the heap-pressure guard's recheck", unexpected);
        }
    }

    /**
     * Stops the running call furthest over its declared memory: the candidates come from a snapshot,
     * so one that has ended meanwhile is passed over for the next.
     */
    private boolean stopLargest(int percent) {
        // The victim is found and stopped allocating nothing: the heap may be all but gone, and the
        // interrupt is what frees it. Telling about it comes after.
        for (int attempt = 0; attempt < 8; attempt++) {
            RunningCall victim = largestOverBudget();
            if (victim == null) {
                return false;
            }
            if (victim.stopForMemory(percent)) {
                long allocated = victim.liveAllocatedBytes();
                log.warn(
                        "faas: the heap is {}% full, past the critical mark of {}%: stopped {} ({})",
                        percent,
                        Math.round(critical * 100),
                        victim.describe(),
                        allocated < 0
                                ? "its memoryMb is " + victim.memoryMb() + " MB (not metered)"
                                : "it allocated " + (allocated >> 20) + " MB against a memoryMb of " + victim.memoryMb()
                                        + " MB");
                return true;
            }
            // it ended, or was stopped otherwise, as it was chosen: look again
        }
        return false;
    }

    /** The running call furthest over its declared memory, or null; reuses one finder, allocating nothing. */
    private RunningCall largestOverBudget() {
        synchronized (finder) {
            finder.best = null;
            finder.bestOver = Long.MIN_VALUE;
            work.forEach(RunningCall.class, finder);
            RunningCall best = finder.best;
            finder.best = null;
            return best;
        }
    }

    /** Keeps the running call furthest over its budget among those it is shown. */
    private static final class Finder implements Consumer<RunningCall> {
        RunningCall best;
        long bestOver;

        @Override
        public void accept(RunningCall call) {
            if (!call.isRunning()) {
                return;
            }
            long over = overBudget(call);
            if (best == null || over > bestOver) {
                best = call;
                bestOver = over;
            }
        }
    }

    private static long overBudget(RunningCall call) {
        long declared = (long) call.memoryMb() << 20;
        long allocated = call.liveAllocatedBytes();
        return allocated < 0 ? declared - Long.MAX_VALUE / 2 : allocated - declared;
    }
}
