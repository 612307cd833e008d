package dev.faas.core.internal.observe;

import dev.faas.core.internal.memory.RunningCall;
import dev.faas.core.internal.util.Logs;
import dev.faas.core.internal.work.WorkTracker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one runtime says when the {@link CarrierProbe} finds the JDK's carriers starved: one WARN per
 * episode naming this runtime's functions whose calls are computing without blocking (the likely
 * cause), and what to do; a count of episodes ({@code faas.carrier.starvation}). Deadlines are
 * delivered regardless: the timer and the runtime's bookkeeping run on platform threads.
 */
public final class CarrierStarvation implements CarrierProbe.Listener {

    private static final Logger log = LoggerFactory.getLogger(Logs.RUNTIME);

    private final WorkTracker work;
    private final Counter episodes;
    private volatile boolean warned;

    public CarrierStarvation(WorkTracker work, MeterRegistry registry) {
        this.work = work;
        this.episodes = registry == null
                ? null
                : Counter.builder("faas.carrier.starvation")
                        .description("Episodes in which virtual threads waited over a second for a carrier")
                        .register(registry);
    }

    @Override
    public void starved(long waitedNanos) {
        if (episodes != null) {
            episodes.increment();
        }
        Map<String, int[]> computing = new TreeMap<>(); // calls, of which given up on
        for (RunningCall call : work.computing(RunningCall.class)) {
            Thread thread = call.thread();
            if (thread == null || !thread.isVirtual()) {
                continue; // a platform thread holds no carrier
            }
            int[] counts = computing.computeIfAbsent(call.functionName(), name -> new int[2]);
            counts[0]++;
            if (!call.isRunning()) {
                counts[1]++;
            }
        }
        if (computing.isEmpty()) {
            return; // the cause is elsewhere in the host; another runtime, if it is one, says so
        }
        warned = true;
        StringBuilder functions = new StringBuilder();
        computing.forEach((name, counts) -> functions
                .append(functions.isEmpty() ? "" : ", ")
                .append('\'')
                .append(name)
                .append("' (")
                .append(counts[0])
                .append(counts[0] == 1 ? " call" : " calls")
                .append(counts[1] > 0 ? ", " + counts[1] + " already given up on" : "")
                .append(')'));
        log.warn(
                "faas: virtual threads have waited {} ms for a carrier: the JDK's {} carriers are held, most likely by"
                        + " calls that compute without blocking: {}. Their deadlines still release their callers (the"
                        + " threads run on, given up on), but new calls and every other virtual thread of the host wait. Run CPU-bound functions on"
                        + " platform threads: FunctionConfig.builder().threadKind(ThreadKind.PLATFORM)",
                TimeUnit.NANOSECONDS.toMillis(waitedNanos),
                Integer.getInteger(
                        "jdk.virtualThreadScheduler.parallelism",
                        Runtime.getRuntime().availableProcessors()),
                functions);
    }

    @Override
    public void recovered(long waitedNanos) {
        if (warned) {
            warned = false;
            log.info(
                    "faas: virtual threads get carriers again, after {} ms",
                    TimeUnit.NANOSECONDS.toMillis(waitedNanos));
        }
    }
}
