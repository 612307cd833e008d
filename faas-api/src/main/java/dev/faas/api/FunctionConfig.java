package dev.faas.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * How a function runs: its limits, its environment and what happens to its EVENT invocations.
 * Immutable and validated when built: a bad value fails with an {@link InvalidConfigException}
 * that names the field, the value and the allowed range. Limits that depend on the runtime (the
 * global concurrency limit, the memory capacity, destinations being deployed) are checked when the
 * function is deployed.
 *
 * <pre>{@code
 * FunctionConfig config = FunctionConfig.builder()
 *         .timeout(Duration.ofSeconds(10))
 *         .memoryMb(512)
 *         .reservedConcurrency(20)
 *         .build();
 * }</pre>
 *
 * @param timeout how long one invocation may run, from the handler's start; default 3 s, 1 ms to 15 min
 * @param initTimeout how long the handler factory (the INIT phase) may run; default 10 s, 1 ms to 15 min
 * @param memoryMb the declared memory: the billing unit, and a reservation while a call runs when the
 *     runtime has a memory capacity; default 128, 1 to 10240
 * @param allocationLimitMb a hard cap on the heap bytes one call may allocate; default none, at least 1
 * @param environment environment variables for {@link Context#environment()}; keys
 *     {@code [A-Za-z][A-Za-z0-9_]*}, at most 4 KB in all (keys and values, UTF-8); default empty
 * @param reservedConcurrency concurrency carved out of the runtime's global limit for this function
 *     alone, which is also its maximum; 0 disables the function; default none (the shared pool)
 * @param provisionedConcurrency environments initialised before deploy returns and never expired;
 *     default 0, at most the reserved concurrency (or the global limit)
 * @param idleTimeout how long an idle environment is kept warm; default 5 min, 1 ms to 365 days
 * @param maxRetryAttempts how many times a failed EVENT invocation is tried again; default 2, 0 to 2
 * @param maxEventAge how long an EVENT invocation may wait (queued or between retries); default 6 h,
 *     1 ms to 6 h
 * @param retryDelay the wait before the first EVENT retry; the second waits twice as long;
 *     default 1 min, 1 ms to 6 h
 * @param maxQueuedEvents how many EVENT invocations the function may hold at once, counted from when
 *     one is accepted until it is done: waiting, between retries, or running a try (so a full queue
 *     frees a place as each event ends, not as its try starts); default 100,000, at least 1
 * @param onSuccess a function (taking {@link DestinationEvent}) that receives successful EVENT results
 * @param onFailure a function (taking {@link DestinationEvent}) that receives EVENT invocations that
 *     finally failed; without one they go to the runtime's dead-letter store
 * @param threadKind what its calls run on: a virtual thread each (the default), or a platform thread
 *     each for CPU-bound code (see {@link ThreadKind})
 * @param isolation where its execution environments live: handler objects in the host's JVM (the
 *     default), or a child JVM each (see {@link Isolation}); {@code PROCESS} needs a function that
 *     names its code by class, and has no allocationLimitMb (the child's heap is its limit)
 */
public record FunctionConfig(
        Duration timeout,
        Duration initTimeout,
        int memoryMb,
        OptionalInt allocationLimitMb,
        Map<String, String> environment,
        OptionalInt reservedConcurrency,
        int provisionedConcurrency,
        Duration idleTimeout,
        int maxRetryAttempts,
        Duration maxEventAge,
        Duration retryDelay,
        int maxQueuedEvents,
        Optional<String> onSuccess,
        Optional<String> onFailure,
        ThreadKind threadKind,
        Isolation isolation) {

    /** The default {@link #timeout()}: 3 seconds, as Lambda's. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);
    /** The default {@link #initTimeout()}: 10 seconds, as Lambda's. */
    public static final Duration DEFAULT_INIT_TIMEOUT = Duration.ofSeconds(10);
    /** The default {@link #memoryMb()}: 128 MB, as Lambda's. */
    public static final int DEFAULT_MEMORY_MB = 128;
    /** The default {@link #idleTimeout()}: 5 minutes. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    /** The default {@link #maxRetryAttempts()}: 2, as Lambda's. */
    public static final int DEFAULT_MAX_RETRY_ATTEMPTS = 2;
    /** The default {@link #maxEventAge()}: 6 hours, as Lambda's. */
    public static final Duration DEFAULT_MAX_EVENT_AGE = Duration.ofHours(6);
    /** The default {@link #retryDelay()}: 1 minute. */
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofMinutes(1);
    /** The default {@link #maxQueuedEvents()}: 100,000. */
    public static final int DEFAULT_MAX_QUEUED_EVENTS = 100_000;

    /** The longest {@link #timeout()} and {@link #initTimeout()}: 15 minutes. */
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(15);
    /** The largest {@link #memoryMb()}: 10,240 MB. */
    public static final int MAX_MEMORY_MB = 10_240;
    /** The most bytes (UTF-8) all environment keys and values may take together: 4 KB. */
    public static final int MAX_ENVIRONMENT_BYTES = 4 * 1024;
    /** The most retries of an EVENT invocation: 2. */
    public static final int MAX_RETRY_ATTEMPTS = 2;
    /** The longest {@link #idleTimeout()}: 365 days (far past any use, well inside what the runtime's timers hold). */
    public static final Duration MAX_IDLE_TIMEOUT = Duration.ofDays(365);
    /** The longest {@link #maxEventAge()} and {@link #retryDelay()}: 6 hours. */
    public static final Duration MAX_EVENT_AGE = Duration.ofHours(6);

    private static final Duration MIN_DURATION = Duration.ofMillis(1);
    private static final Pattern ENVIRONMENT_KEY = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");
    private static final FunctionConfig DEFAULTS = builder().build();

    /** Validates every component; see the component descriptions for the allowed values. */
    public FunctionConfig {
        checkDuration("timeout", timeout, MAX_TIMEOUT);
        checkDuration("initTimeout", initTimeout, MAX_TIMEOUT);
        if (memoryMb < 1 || memoryMb > MAX_MEMORY_MB) {
            throw new InvalidConfigException(
                    "memoryMb", "memoryMb must be between 1 and " + MAX_MEMORY_MB + " MB, but was " + memoryMb);
        }
        required("allocationLimitMb", allocationLimitMb);
        if (allocationLimitMb.isPresent() && allocationLimitMb.getAsInt() < 1) {
            throw new InvalidConfigException(
                    "allocationLimitMb",
                    "allocationLimitMb must be at least 1 MB, but was " + allocationLimitMb.getAsInt());
        }
        environment = checkEnvironment(environment);
        required("reservedConcurrency", reservedConcurrency);
        if (reservedConcurrency.isPresent() && reservedConcurrency.getAsInt() < 0) {
            throw new InvalidConfigException(
                    "reservedConcurrency",
                    "reservedConcurrency must be 0 (disabled) or more," + " but was " + reservedConcurrency.getAsInt());
        }
        if (provisionedConcurrency < 0) {
            throw new InvalidConfigException(
                    "provisionedConcurrency",
                    "provisionedConcurrency must be 0 or more, but was " + provisionedConcurrency);
        }
        if (reservedConcurrency.isPresent() && provisionedConcurrency > reservedConcurrency.getAsInt()) {
            throw new InvalidConfigException(
                    "provisionedConcurrency",
                    "provisionedConcurrency must be between 0 and" + " reservedConcurrency ("
                            + reservedConcurrency.getAsInt() + "), but was " + provisionedConcurrency);
        }
        checkDuration("idleTimeout", idleTimeout, MAX_IDLE_TIMEOUT);
        if (maxRetryAttempts < 0 || maxRetryAttempts > MAX_RETRY_ATTEMPTS) {
            throw new InvalidConfigException(
                    "maxRetryAttempts",
                    "maxRetryAttempts must be between 0 and " + MAX_RETRY_ATTEMPTS + ", but was " + maxRetryAttempts);
        }
        checkDuration("maxEventAge", maxEventAge, MAX_EVENT_AGE);
        checkDuration("retryDelay", retryDelay, MAX_EVENT_AGE);
        if (maxQueuedEvents < 1) {
            throw new InvalidConfigException(
                    "maxQueuedEvents", "maxQueuedEvents must be at least 1, but was " + maxQueuedEvents);
        }
        checkDestination("onSuccess", onSuccess);
        checkDestination("onFailure", onFailure);
        required("threadKind", threadKind);
        required("isolation", isolation);
        if (isolation == Isolation.PROCESS && allocationLimitMb.isPresent()) {
            throw new InvalidConfigException(
                    "allocationLimitMb",
                    "allocationLimitMb applies to functions that run in the host's JVM; with isolation PROCESS the"
                            + " worker's heap, sized from memoryMb, is the hard limit: leave allocationLimitMb out");
        }
    }

    /**
     * The configuration with every component at its default.
     *
     * @return the default configuration
     */
    public static FunctionConfig defaults() {
        return DEFAULTS;
    }

    /**
     * A builder starting from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder starting from this configuration, to derive a changed copy.
     *
     * @return a new builder holding this configuration's values
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    private static void checkDuration(String field, Duration value, Duration max) {
        required(field, value);
        boolean tooLong = max != null && value.compareTo(max) > 0;
        if (value.compareTo(MIN_DURATION) < 0 || tooLong) {
            String range = max == null ? "at least 1 ms" : "between 1 ms and " + human(max);
            throw new InvalidConfigException(field, field + " must be " + range + ", but was " + value);
        }
    }

    private static Map<String, String> checkEnvironment(Map<String, String> environment) {
        required("environment", environment);
        long bytes = 0; // a long: two thousand values of a megabyte each overflow an int
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> variable : environment.entrySet()) {
            String key = variable.getKey();
            String value = variable.getValue();
            if (key == null || !ENVIRONMENT_KEY.matcher(key).matches()) {
                throw new InvalidConfigException(
                        "environment",
                        "environment keys must match [A-Za-z][A-Za-z0-9_]*," + " but one was "
                                + (key == null ? "null" : "'" + key + "'"));
            }
            if (value == null) {
                throw new InvalidConfigException(
                        "environment", "environment variable " + key + " has no value: use an empty string");
            }
            bytes += key.getBytes(StandardCharsets.UTF_8).length + value.getBytes(StandardCharsets.UTF_8).length;
            copy.put(key, value);
        }
        if (bytes > MAX_ENVIRONMENT_BYTES) {
            throw new InvalidConfigException(
                    "environment",
                    "environment must take at most " + MAX_ENVIRONMENT_BYTES
                            + " bytes (keys and values, UTF-8), but took " + bytes);
        }
        return Collections.unmodifiableMap(copy);
    }

    private static void checkDestination(String field, Optional<String> destination) {
        required(field, destination);
        destination.ifPresent(name -> FunctionSpec.checkName(field, name));
    }

    private static void required(String field, Object value) {
        if (value == null) {
            throw new InvalidConfigException(field, field + " must be set (it has a default: leave it out)");
        }
    }

    /** "15 min", "6 h": the limits as a reader writes them. */
    private static String human(Duration duration) {
        if (duration.toDaysPart() != 0
                && duration.toHoursPart() == 0
                && duration.toMinutesPart() == 0
                && duration.toSecondsPart() == 0) {
            return duration.toDays() + " days";
        }
        if (duration.toHoursPart() == 0 && duration.toMinutesPart() != 0 && duration.toSecondsPart() == 0) {
            return duration.toMinutes() + " min";
        }
        if (duration.toMinutesPart() == 0 && duration.toSecondsPart() == 0) {
            return duration.toHours() + " h";
        }
        return duration.toString();
    }

    /** Builds a {@link FunctionConfig}; every setter takes the plain type and {@link #build()} validates. */
    public static final class Builder {
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration initTimeout = DEFAULT_INIT_TIMEOUT;
        private int memoryMb = DEFAULT_MEMORY_MB;
        private OptionalInt allocationLimitMb = OptionalInt.empty();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private OptionalInt reservedConcurrency = OptionalInt.empty();
        private int provisionedConcurrency;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private int maxRetryAttempts = DEFAULT_MAX_RETRY_ATTEMPTS;
        private Duration maxEventAge = DEFAULT_MAX_EVENT_AGE;
        private Duration retryDelay = DEFAULT_RETRY_DELAY;
        private int maxQueuedEvents = DEFAULT_MAX_QUEUED_EVENTS;
        private Optional<String> onSuccess = Optional.empty();
        private Optional<String> onFailure = Optional.empty();
        private ThreadKind threadKind = ThreadKind.VIRTUAL;
        private Isolation isolation = Isolation.IN_PROCESS;

        private Builder() {}

        private Builder(FunctionConfig config) {
            timeout = config.timeout;
            initTimeout = config.initTimeout;
            memoryMb = config.memoryMb;
            allocationLimitMb = config.allocationLimitMb;
            environment.putAll(config.environment);
            reservedConcurrency = config.reservedConcurrency;
            provisionedConcurrency = config.provisionedConcurrency;
            idleTimeout = config.idleTimeout;
            maxRetryAttempts = config.maxRetryAttempts;
            maxEventAge = config.maxEventAge;
            retryDelay = config.retryDelay;
            maxQueuedEvents = config.maxQueuedEvents;
            onSuccess = config.onSuccess;
            onFailure = config.onFailure;
            threadKind = config.threadKind;
            isolation = config.isolation;
        }

        /**
         * Sets {@link FunctionConfig#timeout()}.
         *
         * @param timeout 1 ms to 15 min
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /**
         * Sets {@link FunctionConfig#initTimeout()}.
         *
         * @param initTimeout 1 ms to 15 min
         * @return this builder
         */
        public Builder initTimeout(Duration initTimeout) {
            this.initTimeout = initTimeout;
            return this;
        }

        /**
         * Sets {@link FunctionConfig#memoryMb()}.
         *
         * @param memoryMb 1 to 10240
         * @return this builder
         */
        public Builder memoryMb(int memoryMb) {
            this.memoryMb = memoryMb;
            return this;
        }

        /**
         * Sets {@link FunctionConfig#allocationLimitMb()}.
         *
         * @param allocationLimitMb at least 1
         * @return this builder
         */
        public Builder allocationLimitMb(int allocationLimitMb) {
            this.allocationLimitMb = OptionalInt.of(allocationLimitMb);
            return this;
        }

        /**
         * Removes the allocation limit (the default).
         *
         * @return this builder
         */
        public Builder noAllocationLimit() {
            this.allocationLimitMb = OptionalInt.empty();
            return this;
        }

        /**
         * Replaces {@link FunctionConfig#environment()} with a copy of {@code environment}.
         *
         * @param environment the variables
         * @return this builder
         */
        public Builder environment(Map<String, String> environment) {
            if (environment == null) {
                throw new InvalidConfigException(
                        "environment", "environment must not be null: give an empty map for" + " no variables");
            }
            this.environment.clear();
            this.environment.putAll(environment);
            return this;
        }

        /**
         * Adds one environment variable, replacing an earlier value of the same key.
         *
         * @param key the variable's name
         * @param value its value
         * @return this builder
         */
        public Builder environment(String key, String value) {
            this.environment.put(key, value);
            return this;
        }

        /**
         * Sets {@link FunctionConfig#reservedConcurrency()}.
         *
         * @param reservedConcurrency 0 (disabled) up to the runtime's concurrency limit
         * @return this builder
         */
        public Builder reservedConcurrency(int reservedConcurrency) {
            this.reservedConcurrency = OptionalInt.of(reservedConcurrency);
            return this;
        }

        /**
         * Returns the function to the shared concurrency pool (the default).
         *
         * @return this builder
         */
        public Builder unreservedConcurrency() {
            this.reservedConcurrency = OptionalInt.empty();
            return this;
        }

        /**
         * Sets {@link FunctionConfig#provisionedConcurrency()}.
         *
         * @param provisionedConcurrency 0 up to the reserved concurrency (or the global limit)
         * @return this builder
         */
        public Builder provisionedConcurrency(int provisionedConcurrency) {
            this.provisionedConcurrency = provisionedConcurrency;
            return this;
        }

        /**
         * Sets {@link FunctionConfig#idleTimeout()}.
         *
         * @param idleTimeout 1 ms to 365 days
         * @return this builder
         */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        /**
         * Sets {@link FunctionConfig#maxRetryAttempts()}.
         *
         * @param maxRetryAttempts 0 to 2
         * @return this builder
         */
        public Builder maxRetryAttempts(int maxRetryAttempts) {
            this.maxRetryAttempts = maxRetryAttempts;
            return this;
        }

        /**
         * Sets {@link FunctionConfig#maxEventAge()}.
         *
         * @param maxEventAge 1 ms to 6 h
         * @return this builder
         */
        public Builder maxEventAge(Duration maxEventAge) {
            this.maxEventAge = maxEventAge;
            return this;
        }

        /**
         * Sets {@link FunctionConfig#retryDelay()}.
         *
         * @param retryDelay 1 ms to 6 h
         * @return this builder
         */
        public Builder retryDelay(Duration retryDelay) {
            this.retryDelay = retryDelay;
            return this;
        }

        /**
         * Sets {@link FunctionConfig#maxQueuedEvents()}.
         *
         * @param maxQueuedEvents at least 1
         * @return this builder
         */
        public Builder maxQueuedEvents(int maxQueuedEvents) {
            this.maxQueuedEvents = maxQueuedEvents;
            return this;
        }

        /**
         * Sets {@link FunctionConfig#onSuccess()}.
         *
         * @param function the name of a deployed function taking {@link DestinationEvent}
         * @return this builder
         */
        public Builder onSuccess(String function) {
            this.onSuccess = Optional.of(destination("onSuccess", function));
            return this;
        }

        /**
         * Sets {@link FunctionConfig#onFailure()}.
         *
         * @param function the name of a deployed function taking {@link DestinationEvent}
         * @return this builder
         */
        public Builder onFailure(String function) {
            this.onFailure = Optional.of(destination("onFailure", function));
            return this;
        }

        /**
         * Sets {@link FunctionConfig#threadKind()}.
         *
         * @param threadKind {@link ThreadKind#VIRTUAL} (the default) or {@link ThreadKind#PLATFORM}
         * @return this builder
         */
        public Builder threadKind(ThreadKind threadKind) {
            this.threadKind = threadKind;
            return this;
        }

        /**
         * Sets {@link FunctionConfig#isolation()}.
         *
         * @param isolation {@link Isolation#IN_PROCESS} (the default) or {@link Isolation#PROCESS}
         * @return this builder
         */
        public Builder isolation(Isolation isolation) {
            this.isolation = isolation;
            return this;
        }

        private static String destination(String field, String function) {
            if (function == null) {
                throw new InvalidConfigException(
                        field,
                        field + " must not be null: give the name of a deployed"
                                + " function taking DestinationEvent, or leave it out for none");
            }
            return function;
        }

        /**
         * Validates and builds the configuration.
         *
         * @return the configuration
         * @throws InvalidConfigException naming the first invalid field
         */
        public FunctionConfig build() {
            return new FunctionConfig(
                    timeout,
                    initTimeout,
                    memoryMb,
                    allocationLimitMb,
                    environment,
                    reservedConcurrency,
                    provisionedConcurrency,
                    idleTimeout,
                    maxRetryAttempts,
                    maxEventAge,
                    retryDelay,
                    maxQueuedEvents,
                    onSuccess,
                    onFailure,
                    threadKind,
                    isolation);
        }
    }
}
