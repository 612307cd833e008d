package dev.faas.core.internal.observe;

import dev.faas.api.Outcome;
import dev.faas.api.ThrottledException;
import dev.faas.api.ledger.Pricing;
import dev.faas.core.internal.ledger.CallRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Micrometer meters of one function, tagged {@code function}: registered when it is deployed,
 * removed when it is undeployed. Every meter is made up front, one per outcome and per throttle
 * reason, so that recording a call is a few adds with no lookup. The cost counter is a double for
 * dashboards; the ledger holds the exact figure.
 */
@SuppressWarnings({"EnumOrdinal", "LongDoubleConversion"}) // meters indexed by ordinal, in memory only
public final class FunctionMetrics implements MeterBinder {

    private final MeteredFunction function;
    private final double costPerRequest;
    private final double costPerMbMs;
    private final List<Meter> meters = new ArrayList<>();
    private Counter[] invocations;
    private Counter[] throttles;
    private Timer duration;
    private DistributionSummary billedDuration;
    private Counter coldStarts;
    private Timer initDuration;
    private Counter cost;
    private Timer eventAge;
    private DistributionSummary allocated;
    private Counter eventsDropped;
    private Counter deadLetters;
    private Counter memoryPressure;

    public FunctionMetrics(MeteredFunction function, Pricing pricing) {
        this.function = function;
        this.costPerRequest = pricing.perRequest().doubleValue();
        this.costPerMbMs = pricing.perGbSecond().doubleValue() / (1024.0 * 1000.0);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags tags = Tags.of("function", function.name());
        invocations = new Counter[Outcome.values().length];
        for (Outcome outcome : Outcome.values()) {
            invocations[outcome.ordinal()] = keep(Counter.builder("faas.invocations")
                    .tags(tags)
                    .tag("outcome", outcome.name())
                    .description("Invocations that ran, by outcome")
                    .register(registry));
        }
        throttles = new Counter[ThrottledException.Reason.values().length];
        for (ThrottledException.Reason reason : ThrottledException.Reason.values()) {
            throttles[reason.ordinal()] = keep(Counter.builder("faas.throttles")
                    .tags(tags)
                    .tag("reason", reason.name())
                    .description("Calls refused before they ran, by reason")
                    .register(registry));
        }
        duration = keep(Timer.builder("faas.duration")
                .tags(tags)
                .description("Handler duration")
                .register(registry));
        billedDuration = keep(DistributionSummary.builder("faas.billed.duration")
                .tags(tags)
                .baseUnit("milliseconds")
                .description("Billed duration")
                .register(registry));
        coldStarts = keep(Counter.builder("faas.cold.starts")
                .tags(tags)
                .description("Cold starts")
                .register(registry));
        initDuration = keep(Timer.builder("faas.init.duration")
                .tags(tags)
                .description("INIT phase duration")
                .register(registry));
        cost = keep(Counter.builder("faas.cost")
                .tags(tags)
                .baseUnit("USD")
                .description("Cost at the runtime's pricing (the ledger has the exact figure)")
                .register(registry));
        allocated = keep(DistributionSummary.builder("faas.allocated.bytes")
                .tags(tags)
                .baseUnit("bytes")
                .description("Heap bytes each metered call allocated (not a resident peak)")
                .register(registry));
        eventAge = keep(Timer.builder("faas.async.event.age")
                .tags(tags)
                .description("How long EVENT invocations waited before each try")
                .register(registry));
        eventsDropped = keep(Counter.builder("faas.async.events.dropped")
                .tags(tags)
                .description("EVENT invocations that expired or exhausted their retries")
                .register(registry));
        memoryPressure = keep(Counter.builder("faas.memory.pressure")
                .tags(tags)
                .description("Calls stopped by the heap-pressure guard")
                .register(registry));
        deadLetters = keep(Counter.builder("faas.dead.letters")
                .tags(tags)
                .description("EVENT invocations put in the dead-letter store")
                .register(registry));
        keep(Gauge.builder("faas.async.queue.size", function, MeteredFunction::queuedEvents)
                .tags(tags)
                .description("EVENT invocations accepted and not yet done")
                .register(registry));
        keep(Gauge.builder("faas.concurrent.executions", function, MeteredFunction::concurrentExecutions)
                .tags(tags)
                .description("Concurrency slots in use, orphaned threads included")
                .register(registry));
        keep(Gauge.builder("faas.orphaned.threads", function, MeteredFunction::orphanedThreads)
                .tags(tags)
                .description("Threads still running after their call timed out or was stopped")
                .register(registry));
    }

    public void record(CallRecord call) {
        invocations[call.outcome().ordinal()].increment();
        duration.record(call.durationNanos(), TimeUnit.NANOSECONDS);
        billedDuration.record(call.billedDurationMs());
        if (call.coldStart()) {
            coldStarts.increment();
            initDuration.record(call.initNanos(), TimeUnit.NANOSECONDS);
        }
        cost.increment(costPerRequest + call.mbMs() * costPerMbMs);
        if (call.allocatedBytes() >= 0) {
            allocated.record(call.allocatedBytes());
        }
    }

    public void eventAge(long nanos) {
        eventAge.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void eventDropped() {
        eventsDropped.increment();
    }

    public void memoryPressure() {
        memoryPressure.increment();
    }

    public void deadLettered() {
        deadLetters.increment();
    }

    public void throttled(ThrottledException.Reason reason) {
        throttles[reason.ordinal()].increment();
    }

    public void remove(MeterRegistry registry) {
        meters.forEach(registry::remove);
    }

    private <M extends Meter> M keep(M meter) {
        meters.add(meter);
        return meter;
    }
}
