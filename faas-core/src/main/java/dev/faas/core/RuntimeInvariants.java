package dev.faas.core;

import dev.faas.core.internal.engine.Engine;
import dev.faas.core.internal.util.Arguments;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * What every runtime must hold once its calls are over, for test harnesses: faas-testing's
 * {@code @FaasTest} checks it after each test, and so do faas-core's own tests. A broken invariant
 * is an {@link AssertionError} that says what was left behind.
 */
public final class RuntimeInvariants {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private RuntimeInvariants() {}

    /**
     * Waits up to {@code patience} for every call to end, then checks that no concurrency slot is
     * held (by any function, deployed or undeployed, nor in the shared pool) and, unless
     * {@code orphansAllowed}, that no orphaned thread still runs; an orphan that is allowed may keep
     * its slot.
     *
     * @param runtime the runtime, open or closed
     * @param patience how long calls may take to end, in real time
     * @param orphansAllowed whether threads the runtime gave up on may still run
     * @throws AssertionError naming what is still held
     */
    public static void checkIdle(FaasRuntime runtime, Duration patience, boolean orphansAllowed) {
        Arguments.given("runtime", runtime, "the runtime to check");
        Arguments.given("patience", patience, "how long calls may take to end");
        Engine engine = runtime.engine();
        await(patience, () -> {
            List<String> held = new ArrayList<>();
            RuntimeStatus status = runtime.status();
            int orphans = orphansAllowed ? status.orphanedThreads() : 0;
            if (status.concurrentExecutions() > orphans) {
                held.add(status.concurrentExecutions() + " concurrency slots held: " + status.functions());
            }
            if (engine.sharedPool.inUse() > orphans) {
                held.add(engine.sharedPool.inUse() + " slots of the shared pool held");
            }
            if (!orphansAllowed && status.orphanedThreads() > 0) {
                held.add(status.orphanedThreads() + " orphaned threads: handlers still running past their deadline"
                        + " or memory stop; let them end (release what they wait on)");
            }
            return held;
        });
    }

    /**
     * For a closed runtime: waits up to {@code patience} until no thread of the runtime's is left in
     * flight (but the orphans, when they are allowed), then checks that the ledger recorded one call
     * for each report its listeners heard.
     *
     * @param runtime a closed runtime
     * @param patience how long its threads may take to end, in real time
     * @param reportsHeard the invocation reports a listener of the runtime's heard
     * @param orphansAllowed whether threads the runtime gave up on may still run
     * @throws AssertionError naming what is left, or the counts that differ
     */
    public static void checkClosed(FaasRuntime runtime, Duration patience, long reportsHeard, boolean orphansAllowed) {
        Arguments.given("runtime", runtime, "the runtime to check");
        Arguments.given("patience", patience, "how long its threads may take to end");
        Engine engine = runtime.engine();
        if (!engine.isClosed()) {
            throw new AssertionError("checkClosed needs a closed runtime: close " + runtime + " first");
        }
        await(patience, () -> {
            int inFlight = engine.work.inFlight();
            return inFlight <= (orphansAllowed ? engine.orphans.get() : 0)
                    ? List.<String>of()
                    : List.of(inFlight + " units of work still in flight after close: "
                            + engine.work.busy().orElse("(finished meanwhile)"));
        });
        long recorded = engine.ledger.recordedCalls();
        if (recorded != reportsHeard) {
            throw new AssertionError("the ledger recorded " + recorded + " calls, but the listeners heard "
                    + reportsHeard + " reports: a call was recorded twice, or ran without its record");
        }
    }

    /** Polls until {@code broken} is empty or the patience is spent; then throws what is still broken. */
    private static void await(Duration patience, Supplier<List<String>> broken) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            List<String> found = broken.get();
            if (found.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("after " + patience.toMillis() + " ms: " + String.join("; ", found));
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
