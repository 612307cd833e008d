package dev.faas.core;

import dev.faas.api.DestinationEvent;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.InvocationListener;
import dev.faas.api.TimeSource;
import dev.faas.api.ledger.Durability;
import dev.faas.api.ledger.LedgerSink;
import dev.faas.api.ledger.Pricing;
import dev.faas.core.internal.util.Arguments;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * The configuration of a {@link FaasRuntime}, immutable and checked as a whole when it is made:
 * {@link FaasRuntime.Builder} builds one (its setters document each option), and
 * {@link FaasRuntime#config()} returns the one a runtime runs with.
 *
 * @param concurrencyLimit the most invocations that may run at once, shared by all functions
 * @param memoryCapacityMb the memory reservations' capacity; empty: no reservations
 * @param allocationMetering whether every call is metered, not only those with an allocation limit
 * @param heapPressureGuard whether the heap-pressure guard runs
 * @param heapHighWater the fraction of the heap past which new calls are refused
 * @param heapCritical the fraction of the heap past which running calls are stopped
 * @param pricing the prices billed durations are costed at
 * @param meterRegistry where the runtime's meters go; empty: no meters
 * @param clock every timer of the runtime
 * @param ledgerJournal the journal's directory; empty: no journal
 * @param durability when journal records are forced to disk
 * @param ledgerSink where every ledger record is also sent; empty: nowhere
 * @param ledgerRetention how many of the newest ledger entries are kept
 * @param reportLog whether each call logs Lambda's REPORT line
 * @param failureLog whether a call that did not succeed logs why on its function's logger
 * @param drainTimeout how long close waits for calls in flight, in real time
 * @param idempotencyTtl how long an EVENT invocation's idempotency key is remembered
 * @param undeliveredEvents where events left at close go; empty: the dead-letter store
 * @param listeners who hears every invocation's report and every destination event
 */
public record RuntimeConfig(
        int concurrencyLimit,
        OptionalInt memoryCapacityMb,
        boolean allocationMetering,
        boolean heapPressureGuard,
        double heapHighWater,
        double heapCritical,
        Pricing pricing,
        Optional<MeterRegistry> meterRegistry,
        TimeSource clock,
        Optional<Path> ledgerJournal,
        Durability durability,
        Optional<LedgerSink> ledgerSink,
        int ledgerRetention,
        boolean reportLog,
        boolean failureLog,
        Duration drainTimeout,
        Duration idempotencyTtl,
        Optional<Consumer<DestinationEvent>> undeliveredEvents,
        List<InvocationListener> listeners) {

    /** The default global concurrency limit: 1,000, as Lambda's default account limit. */
    public static final int DEFAULT_CONCURRENCY_LIMIT = 1000;
    /** The default high-water mark of the heap-pressure guard: 90% of the maximum heap after GC. */
    public static final double DEFAULT_HEAP_HIGH_WATER = 0.90;
    /** The default critical mark of the heap-pressure guard: 95% of the maximum heap after GC. */
    public static final double DEFAULT_HEAP_CRITICAL = 0.95;
    /** The default ledger retention: 100,000 records. */
    public static final int DEFAULT_LEDGER_RETENTION = 100_000;
    /** The most records the ledger retains: 10,000,000 (about a gigabyte). */
    public static final int MAX_LEDGER_RETENTION = 10_000_000;
    /** The default idempotency window: 1 hour. */
    public static final Duration DEFAULT_IDEMPOTENCY_TTL = Duration.ofHours(1);
    /** The default drain timeout: 30 seconds. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** The longest duration an option takes: far past any use, well inside what nanoseconds hold. */
    static final Duration MAX_DURATION = Duration.ofDays(365);

    /** Checks every option; a null or an out-of-range value is an {@link InvalidConfigException} naming it. */
    public RuntimeConfig {
        if (concurrencyLimit < 1) {
            throw new InvalidConfigException(
                    "concurrencyLimit", "concurrencyLimit must be at least 1, but was " + concurrencyLimit);
        }
        Arguments.given("memoryCapacityMb", memoryCapacityMb, "OptionalInt.empty() for no memory reservations");
        if (memoryCapacityMb.isPresent()) {
            checkMemoryCapacity(memoryCapacityMb.getAsInt());
        }
        if (heapPressureGuard) {
            checkHeapPressure(heapHighWater, heapCritical);
        }
        Arguments.given("pricing", pricing, "Pricing.LAMBDA_X86_64 (the default), Pricing.LAMBDA_ARM64, or your own");
        Arguments.given("meterRegistry", meterRegistry, "Optional.empty() for no meters");
        Arguments.given("clock", clock, "TimeSource.system() (the default) or a ManualClock");
        Arguments.given("ledgerJournal", ledgerJournal, "Optional.empty() for no journal");
        Arguments.given("durability", durability, "Durability.sync(), every(interval) or os()");
        Arguments.given("ledgerSink", ledgerSink, "Optional.empty() for no sink");
        if (ledgerRetention < 0 || ledgerRetention > MAX_LEDGER_RETENTION) {
            throw new InvalidConfigException(
                    "ledgerRetention",
                    "ledgerRetention must be between 0 and " + MAX_LEDGER_RETENTION + ", but was " + ledgerRetention);
        }
        Arguments.given("drainTimeout", drainTimeout, "how long close() waits; Duration.ZERO not to wait");
        if (drainTimeout.isNegative() || drainTimeout.compareTo(MAX_DURATION) > 0) {
            throw new InvalidConfigException(
                    "drainTimeout", "drainTimeout must be between 0 and 365 days, but was " + drainTimeout);
        }
        Arguments.given("idempotencyTtl", idempotencyTtl, "how long keys are remembered");
        if (idempotencyTtl.compareTo(Duration.ofMillis(1)) < 0 || idempotencyTtl.compareTo(MAX_DURATION) > 0) {
            throw new InvalidConfigException(
                    "idempotencyTtl",
                    "idempotencyTtl must be between 1 ms and 365 days," + " but was " + idempotencyTtl);
        }
        Arguments.given("undeliveredEvents", undeliveredEvents, "Optional.empty() to keep them in deadLetters()");
        Arguments.given("listeners", listeners, "List.of() for none");
        listeners = List.copyOf(listeners);
    }

    /**
     * Every option at its default.
     *
     * @return the defaults
     */
    public static RuntimeConfig defaults() {
        return FaasRuntime.builder().config();
    }

    /**
     * A builder that starts from this configuration.
     *
     * @return a new builder
     */
    public FaasRuntime.Builder toBuilder() {
        return FaasRuntime.builder().from(this);
    }

    static void checkMemoryCapacity(int memoryCapacityMb) {
        if (memoryCapacityMb < 1) {
            throw new InvalidConfigException(
                    "memoryCapacityMb", "memoryCapacityMb must be at least 1, but was " + memoryCapacityMb);
        }
    }

    static void checkHeapPressure(double highWater, double critical) {
        if (!(highWater > 0 && highWater <= critical && critical <= 1)) {
            throw new InvalidConfigException(
                    "heapPressure",
                    "heapPressure marks must satisfy 0 < highWater <=" + " critical <= 1, but were " + highWater
                            + " and " + critical);
        }
    }
}
