package dev.faas.triggers.schedule;

import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.Invoker;
import dev.faas.api.PayloadTypeException;
import dev.faas.api.ThrottledException;
import dev.faas.api.TimeSource;
import dev.faas.api.Trigger;
import dev.faas.api.events.ScheduledEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires functions on schedules, as EventBridge Scheduler fires Lambda functions: each
 * {@link Schedule} names an expression ({@code rate}, {@code cron} or {@code at}), a function and
 * how to deliver. Every timer comes from the runtime's clock ({@link Invoker#clock()}), so that on a
 * {@link dev.faas.api.ManualClock} {@code advance(Duration.ofDays(365))} fires a year of schedules in
 * order, the runtime settling between fires, and nothing fires otherwise.
 *
 * <p>A fire that comes due is delivered at once: an EVENT invocation (queued, so the function's
 * retries and destinations apply) unless the schedule is synchronous. An EVENT the runtime throttles
 * (its queue is full) is tried again after 1 s, 2 s, 4 s, up to a minute apart, until it is taken, the
 * next fire comes due, or a day has passed (EventBridge Scheduler's default maximum event age); then
 * it counts as missed. A fire refused otherwise (the function undeployed) is logged and counted as a
 * failure, and the schedule goes on; an unexpected failure on the clock's thread stops the schedule,
 * with an ERROR line. On the system clock the trigger looks at the wall clock at least every
 * {@link #LONGEST_WAIT}, so that a clock that jumped or a host that slept is noticed within that;
 * fires it missed then follow the schedule's {@link Schedule.MissedFires} policy.
 *
 * <p>Meters, tagged {@code trigger}, {@code schedule} and {@code function}, when given a registry:
 * {@code faas.schedule.fires} (deliveries the runtime took), {@code faas.schedule.late} (a timer:
 * how long after its fire time each delivery came), {@code faas.schedule.missed} (fires missed, or
 * given up after throttles) and {@code faas.schedule.failures} (deliveries refused, and synchronous
 * fires that failed). One INFO line per schedule at start names its next fire time.
 */
public final class ScheduleTrigger implements Trigger {

    /** The longest a trigger waits before it looks at the clock again: an hour. */
    public static final Duration LONGEST_WAIT = Duration.ofHours(1);

    private static final Logger log = LoggerFactory.getLogger(ScheduleTrigger.class);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration LAST_RETRY = Duration.ofMinutes(1);
    /** How long a throttled fire is tried: a day, EventBridge Scheduler's default maximum event age. */
    private static final Duration LONGEST_RETRY = Duration.ofDays(1);

    private static final int COUNTED_ONE_BY_ONE = 10_000;

    private final String name;
    private final List<Schedule> schedules;
    private final @Nullable MeterRegistry registry;
    private final Object lifecycle = new Object();
    private final Map<String, Ticker> tickers = new LinkedHashMap<>(); // guarded by lifecycle
    private boolean started; // guarded by lifecycle
    private boolean closed; // guarded by lifecycle

    private ScheduleTrigger(Builder builder) {
        this.name = builder.name;
        this.schedules = List.copyOf(builder.schedules.values());
        this.registry = builder.registry;
    }

    /** Starts a trigger; add one or more schedules. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return name;
    }

    /** The schedules, in the order they were added. */
    public List<Schedule> schedules() {
        return schedules;
    }

    /**
     * Checks every schedule against its function, then arms them all.
     *
     * @throws InvalidConfigException if a schedule names a function that is not deployed
     * @throws PayloadTypeException if the function does not take the schedule's input (or, without
     *     one, a {@link ScheduledEvent})
     * @throws IllegalStateException if the trigger was started or closed before
     */
    @Override
    public void start(Invoker invoker) {
        Objects.requireNonNull(invoker, "invoker");
        for (Schedule schedule : schedules) {
            check(schedule, invoker);
        }
        TimeSource clock = invoker.clock();
        synchronized (lifecycle) {
            if (started || closed) {
                throw new IllegalStateException("the schedule trigger '" + name + "' was "
                        + (closed ? "closed" : "started") + " before: build a new one");
            }
            Instant now = clock.now();
            List<@Nullable Instant> firsts = new ArrayList<>(schedules.size());
            for (Schedule schedule : schedules) { // all of them, before any is armed: one may fail
                firsts.add(schedule.enabled() ? schedule.nextFireTime(now) : null);
            }
            started = true;
            for (int i = 0; i < schedules.size(); i++) {
                Schedule schedule = schedules.get(i);
                Ticker ticker = new Ticker(schedule, invoker, clock, Meters.of(registry, name, schedule));
                tickers.put(schedule.name(), ticker);
                ticker.begin(now, firsts.get(i));
            }
        }
    }

    private void check(Schedule schedule, Invoker invoker) {
        FunctionSpec<?, ?> spec = invoker.describe(schedule.function())
                .orElseThrow(() -> new InvalidConfigException(
                        "function",
                        "schedule '" + schedule.name() + "' of trigger '" + name + "' names function '"
                                + schedule.function() + "', which is not deployed: deploy it before adding the"
                                + " trigger"));
        Class<?> takes = spec.inputType();
        Optional<Object> input = schedule.input();
        if (input.isPresent() && !takes.isInstance(input.get())) {
            throw new PayloadTypeException(
                    schedule.function(),
                    "schedule '" + schedule.name() + "' gives function '" + schedule.function() + "' a "
                            + input.get().getClass().getName() + ", but it takes " + takes.getName());
        }
        if (input.isEmpty() && !takes.isAssignableFrom(ScheduledEvent.class)) {
            throw new PayloadTypeException(
                    schedule.function(),
                    "function '" + schedule.function() + "' takes " + takes.getName() + ": give schedule '"
                            + schedule.name() + "' an input of that type, or let the function take ScheduledEvent");
        }
    }

    /**
     * When the schedule fires next (its flexible window applied), as armed now.
     *
     * @param schedule a schedule's name
     * @return the next fire time; empty when it fires no more, is disabled, or the trigger is not running
     */
    public Optional<Instant> nextFireTime(String schedule) {
        Ticker ticker;
        synchronized (lifecycle) {
            ticker = tickers.get(schedule);
        }
        return ticker == null ? Optional.empty() : ticker.nextFireTime();
    }

    /** Cancels every schedule's timer; deliveries under way finish. */
    @Override
    public void close() {
        List<Ticker> stopping;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = new ArrayList<>(tickers.values());
            tickers.clear();
        }
        stopping.forEach(Ticker::stop);
    }

    @Override
    public String toString() {
        return "schedule trigger '" + name + "' (" + schedules.size() + " schedules)";
    }

    /** One schedule armed: its next scheduled time, and the timer that wakes it. */
    private static final class Ticker {
        private final Schedule schedule;
        private final Invoker invoker;
        private final TimeSource clock;
        private final Meters meters;
        // Guarded by this:
        private @Nullable Instant due; // the scheduled time of the next fire, or null when none is left
        private Instant fireAt = Instant.EPOCH; // due, with the flexible window applied; or a retry's time
        private Instant plannedAt = Instant.EPOCH; // due, with the flexible window applied: what lateness counts from
        private TimeSource.@Nullable Cancellable timer;
        private Duration retry = FIRST_RETRY; // the wait before the next try of a throttled fire
        private boolean stopped;

        Ticker(Schedule schedule, Invoker invoker, TimeSource clock, Meters meters) {
            this.schedule = schedule;
            this.invoker = invoker;
            this.clock = clock;
            this.meters = meters;
        }

        synchronized void begin(Instant now, @Nullable Instant first) {
            if (!schedule.enabled()) {
                log.info("faas: {} is disabled: it fires nothing", schedule);
                return;
            }
            plan(first, now);
            if (due == null) {
                log.info("faas: {} has no fire time after {}: it fires nothing", schedule, now);
                return;
            }
            log.info("faas: {} fires next at {}", schedule, fireAt);
            arm(now);
        }

        private void plan(@Nullable Instant scheduled, Instant notBefore) {
            due = scheduled;
            fireAt = scheduled == null ? Instant.EPOCH : later(schedule.fireTime(scheduled), notBefore);
            plannedAt = fireAt;
            retry = FIRST_RETRY;
        }

        private void arm(Instant now) {
            Duration wait = Duration.between(now, fireAt);
            timer = clock.schedule(wait.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait, this::wake);
        }

        synchronized Optional<Instant> nextFireTime() {
            return due == null || stopped ? Optional.empty() : Optional.of(fireAt);
        }

        synchronized void stop() {
            stopped = true;
            if (timer != null) {
                timer.cancel();
            }
            meters.remove();
        }

        /** The timer came due: fire, or look again later (early after a capped wait, or the wall clock went back). */
        private synchronized void wake() {
            Instant scheduled = due;
            if (stopped || scheduled == null) {
                return;
            }
            try {
                fireOrWait(scheduled, clock.now());
            } catch (RuntimeException unexpected) { // on the clock's thread, where nobody would see it
                stopped = true;
                meters.failed();
                log.error("faas: {} failed at its fire for {} and stops", schedule, scheduled, unexpected);
            }
        }

        private void fireOrWait(Instant scheduled, Instant now) {
            if (now.isBefore(fireAt)) {
                arm(now);
                return;
            }
            MissedRun run = missedRun(scheduled, now);
            if (run.passed() == 0 && Duration.between(fireAt, now).compareTo(schedule.missedAfter()) <= 0) {
                fire(scheduled, plannedAt, run.following(), now, 0);
                return;
            }
            boolean fireOnce = schedule.missedFires() == Schedule.MissedFires.FIRE_ONCE;
            log.warn(
                    "faas: {}: {} fire(s) came due from {} to {} while the host paused or its clock jumped: {}",
                    schedule,
                    run.counted(),
                    scheduled,
                    run.latest(),
                    fireOnce ? "it fires once now, for " + run.latest() : "skipped");
            if (fireOnce) {
                Instant planned = later(schedule.fireTime(run.latest()), plannedAt);
                fire(run.latest(), planned, run.following(), now, run.passed());
            } else {
                meters.missed(run.passed() + 1);
                planNext(run.following(), plannedAt, now);
            }
        }

        /**
         * The scheduled times after {@code scheduled} that {@code now} has missed, and the first it has
         * not. Years of them (a host clock set right from 1970) are not looked at one by one: past
         * {@link #COUNTED_ONE_BY_ONE}, a rate's are counted by arithmetic, and a cron's are looked for
         * from a day before now only, and counted as "more than".
         */
        private MissedRun missedRun(Instant scheduled, Instant now) {
            Instant latest = scheduled;
            long passed = 0;
            boolean uncounted = false;
            Instant following = schedule.nextFireTime(latest);
            while (following != null && missed(following, now)) {
                latest = following;
                passed++;
                if (passed == COUNTED_ONE_BY_ONE) {
                    Instant dayBefore = now.minus(Duration.ofDays(1));
                    if (schedule.expression().recurrence() instanceof Recurrence.Rate(Duration period)) {
                        long periods =
                                Math.max(0, Duration.between(latest, dayBefore).dividedBy(period));
                        latest = latest.plus(period.multipliedBy(periods));
                        passed += periods;
                    } else {
                        Instant resume = schedule.nextFireTime(dayBefore);
                        if (resume != null && resume.isAfter(latest)) {
                            uncounted = true;
                            following = resume;
                            continue;
                        }
                    }
                }
                following = schedule.nextFireTime(latest);
            }
            return new MissedRun(latest, passed, uncounted, following);
        }

        /** Whether the fire for {@code scheduled} is more than missedAfter late at {@code now}; never before the one under way. */
        private boolean missed(Instant scheduled, Instant now) {
            Instant planned = later(schedule.fireTime(scheduled), plannedAt);
            return planned.plus(schedule.missedAfter()).isBefore(now);
        }

        /**
         * Delivers the fire scheduled for {@code scheduled} (planned for {@code planned}), counting
         * {@code alsoMissed} fires before it as missed; then plans {@code following}, or a retry if
         * the runtime throttled it.
         */
        private void fire(
                Instant scheduled, Instant planned, @Nullable Instant following, Instant now, long alsoMissed) {
            Object payload = schedule.input()
                    .orElseGet(() -> new ScheduledEvent(schedule.name(), scheduled, now, schedule.function()));
            meters.missed(alsoMissed);
            if (schedule.synchronous()) {
                meters.fired(Duration.between(planned, now));
                var unused = invoker.invokeAsync(schedule.function(), payload).whenComplete((output, failure) -> {
                    if (failure != null) {
                        meters.failed();
                        log.warn("faas: {} fire for {} failed: {}", schedule, scheduled, failure.toString());
                    }
                });
            } else {
                try {
                    invoker.invokeEvent(schedule.function(), payload);
                    meters.fired(Duration.between(planned, now));
                } catch (ThrottledException throttled) {
                    retryOrGiveUp(scheduled, planned, following, now, throttled);
                    return;
                } catch (RuntimeException refused) { // a FaasException, such as the function undeployed
                    meters.failed();
                    log.warn("faas: {} could not fire for {}: {}", schedule, scheduled, refused.getMessage());
                }
            }
            planNext(following, planned, now);
        }

        /** Plans {@code following}, to fire no earlier than {@code notBefore} (fires stay in order), and arms it. */
        private void planNext(@Nullable Instant following, Instant notBefore, Instant now) {
            plan(following, notBefore);
            if (due == null) {
                log.info("faas: {} has fired for the last time", schedule);
                return;
            }
            arm(now);
        }

        /**
         * Tries a throttled fire again later, unless the next one comes due first or the fire would be
         * older than {@link #LONGEST_RETRY} (EventBridge Scheduler's default maximum event age): then it
         * is missed.
         */
        private void retryOrGiveUp(
                Instant scheduled,
                Instant planned,
                @Nullable Instant following,
                Instant now,
                ThrottledException throttled) {
            Duration wait = retry.compareTo(throttled.retryAfter()) >= 0 ? retry : throttled.retryAfter();
            Instant again = now.plus(wait);
            boolean nextComesFirst = following != null && !again.isBefore(later(schedule.fireTime(following), planned));
            if (nextComesFirst || Duration.between(planned, again).compareTo(LONGEST_RETRY) > 0) {
                meters.missed(1);
                log.warn(
                        "faas: {} gave up the fire for {}: the runtime refused it until {} ({})",
                        schedule,
                        scheduled,
                        nextComesFirst ? "the next came due" : "it was a day old",
                        throttled.getMessage());
                planNext(following, planned, now);
                return;
            }
            log.debug("faas: {} fire for {} throttled; trying again in {}", schedule, scheduled, wait);
            due = scheduled;
            plannedAt = planned;
            fireAt = again;
            retry = wait.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY : wait.multipliedBy(2);
            timer = clock.schedule(wait, this::wake);
        }
    }

    private static Instant later(Instant one, Instant other) {
        return one.isAfter(other) ? one : other;
    }

    /** The missed scheduled times from one under way: the latest, how many after the first, and the first not missed. */
    private record MissedRun(
            Instant latest,
            long passed,
            boolean uncounted,
            @Nullable Instant following) {
        String counted() {
            return (uncounted ? "more than " : "") + (passed + 1);
        }
    }

    /** The meters of one schedule. */
    private interface Meters {

        /** No registry: nothing is counted. */
        Meters NONE = new Meters() {
            @Override
            public void fired(Duration late) {}

            @Override
            public void missed(long count) {}

            @Override
            public void failed() {}

            @Override
            public void remove() {}
        };

        static Meters of(@Nullable MeterRegistry registry, String trigger, Schedule schedule) {
            if (registry == null) {
                return NONE;
            }
            Tags tags = Tags.of("trigger", trigger, "schedule", schedule.name(), "function", schedule.function());
            return new Registered(
                    registry,
                    Counter.builder("faas.schedule.fires")
                            .description("Schedule fires the runtime took")
                            .tags(tags)
                            .register(registry),
                    Timer.builder("faas.schedule.late")
                            .description("How long after its fire time each delivery came")
                            .tags(tags)
                            .register(registry),
                    Counter.builder("faas.schedule.missed")
                            .description("Schedule fires missed (the host paused or the clock jumped) or given up")
                            .tags(tags)
                            .register(registry),
                    Counter.builder("faas.schedule.failures")
                            .description("Schedule fires the runtime refused, and synchronous fires that failed")
                            .tags(tags)
                            .register(registry));
        }

        void fired(Duration late);

        void missed(long count);

        void failed();

        void remove();
    }

    private record Registered(MeterRegistry registry, Counter fires, Timer late, Counter missed, Counter failures)
            implements Meters {

        @Override
        public void fired(Duration lateBy) {
            fires.increment();
            late.record(Math.max(0, lateBy.toNanos()), TimeUnit.NANOSECONDS);
        }

        @Override
        public void missed(long count) {
            if (count > 0) {
                missed.increment((double) count);
            }
        }

        @Override
        public void failed() {
            failures.increment();
        }

        @Override
        public void remove() {
            for (Meter meter : new Meter[] {fires, late, missed, failures}) {
                registry.remove(meter);
            }
        }
    }

    /** Builds a {@link ScheduleTrigger}. */
    public static final class Builder {
        private String name = "schedules";
        private final Map<String, Schedule> schedules = new LinkedHashMap<>();
        private @Nullable MeterRegistry registry;

        private Builder() {}

        /**
         * The trigger's name, for logs. Default {@code schedules}.
         *
         * @param name not blank
         * @return this builder
         */
        public Builder name(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a schedule trigger's name must not be blank");
            }
            this.name = name;
            return this;
        }

        /**
         * Adds a schedule.
         *
         * @param schedule a schedule whose name no other of this trigger has
         * @return this builder
         * @throws InvalidScheduleException if another schedule has its name
         */
        public Builder schedule(Schedule schedule) {
            Objects.requireNonNull(schedule, "schedule");
            if (schedules.putIfAbsent(schedule.name(), schedule) != null) {
                throw new InvalidScheduleException(
                        "name",
                        schedule.name(),
                        "the trigger '" + name + "' has a schedule named '" + schedule.name()
                                + "' already: give each a name of its own");
            }
            return this;
        }

        /**
         * Where the schedules' meters go. Default: no meters.
         *
         * @param registry a registry, typically the runtime's
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Builds the trigger.
         *
         * @return the trigger
         * @throws IllegalStateException if no schedule was added
         */
        public ScheduleTrigger build() {
            if (schedules.isEmpty()) {
                throw new IllegalStateException(
                        "the schedule trigger '" + name + "' has no schedules: add one with schedule(...)");
            }
            return new ScheduleTrigger(this);
        }
    }
}
