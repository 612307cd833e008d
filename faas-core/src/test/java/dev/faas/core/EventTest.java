package dev.faas.core;

import static dev.faas.core.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.faas.api.DestinationEvent;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.InvocationType;
import dev.faas.api.ManualClock;
import dev.faas.api.PayloadTypeException;
import dev.faas.api.RuntimeClosedException;
import dev.faas.api.ThrottledException;
import dev.faas.api.ledger.InvocationRecord;
import dev.faas.core.internal.engine.EventQueue;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class EventTest {

    private static final Instant START = Instant.parse("2026-06-01T08:00:00Z");
    private static final Duration RETRY = Duration.ofMinutes(1);

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    private final ManualClock clock = new ManualClock(START);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Try> tries = new CopyOnWriteArrayList<>();
    private final List<DestinationEvent> received = new CopyOnWriteArrayList<>();

    /** What a handler saw of one try. */
    private record Try(String requestId, int attempt, InvocationType type, Instant at) {}

    @Test
    void acceptsAtOnceAndRunsTheFirstTryWithoutAnyAdvance() {
        FaasRuntime runtime = start();
        FunctionRef<String, String> work = deploy(runtime, "work", failing(0), FunctionConfig.defaults());

        String requestId = work.invokeEvent("payload");
        runtime.awaitQuiescence(Duration.ofSeconds(5));

        assertThat(requestId).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(tries).containsExactly(new Try(requestId, 1, InvocationType.EVENT, START));
        assertThat(runtime.ledger().entries()).singleElement().satisfies(record -> {
            assertThat(record.type()).isEqualTo(InvocationType.EVENT);
            assertThat(record.requestId()).isEqualTo(requestId);
        });
    }

    @Test
    void retriesAfterTheDelayThenTwiceTheDelayKeepingItsRequestId() {
        FaasRuntime runtime = start();
        FunctionRef<String, String> flaky = deploy(
                runtime,
                "flaky",
                failing(Integer.MAX_VALUE),
                FunctionConfig.builder().retryDelay(RETRY).build());

        String requestId = flaky.invokeEvent("payload");
        runtime.awaitQuiescence(Duration.ofSeconds(5));
        assertThat(tries).hasSize(1);

        clock.advance(RETRY.minusNanos(1));
        assertThat(tries).hasSize(1);
        clock.advance(Duration.ofNanos(1));
        assertThat(tries).hasSize(2);

        clock.advance(RETRY.multipliedBy(2).minusNanos(1));
        assertThat(tries).hasSize(2);
        clock.advance(Duration.ofNanos(1));

        assertThat(tries).extracting(Try::attempt).containsExactly(1, 2, 3);
        assertThat(tries).extracting(Try::requestId).containsOnly(requestId);
        assertThat(tries)
                .extracting(Try::at)
                .containsExactly(START, START.plus(RETRY), START.plus(RETRY.multipliedBy(3)));
        assertThat(runtime.ledger().entries())
                .extracting(InvocationRecord::attempt)
                .containsExactly(1, 2, 3);
        assertThat(runtime.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.requestId()).isEqualTo(requestId);
            assertThat(letter.condition()).isEqualTo(DestinationEvent.Condition.RETRIES_EXHAUSTED);
            assertThat(letter.attempts()).isEqualTo(3);
        });
        clock.advance(Duration.ofHours(1));
        assertThat(tries).as("no fourth try").hasSize(3);
    }

    @Test
    void runsOnlyAsManyTriesAsAllowed() {
        FaasRuntime runtime = start();
        FunctionRef<String, String> once = deploy(
                runtime,
                "once",
                failing(Integer.MAX_VALUE),
                FunctionConfig.builder().maxRetryAttempts(0).build());

        once.invokeEvent("payload");
        clock.advance(Duration.ofHours(1));

        assertThat(tries).hasSize(1);
        assertThat(runtime.deadLetters())
                .singleElement()
                .extracting(DestinationEvent::attempts)
                .isEqualTo(1);
    }

    @Test
    void sendsASuccessToItsOnSuccessDestination() {
        FaasRuntime runtime = start();
        deployDestination(runtime, "audit");
        FunctionRef<String, String> flaky = deploy(
                runtime,
                "flaky",
                failing(1),
                FunctionConfig.builder().retryDelay(RETRY).onSuccess("audit").build());

        String requestId = flaky.invokeEvent("order-7");
        clock.advance(RETRY);

        assertThat(received).singleElement().satisfies(event -> {
            assertThat(event.requestId()).isEqualTo(requestId);
            assertThat(event.function()).isEqualTo("flaky");
            assertThat(event.condition()).isEqualTo(DestinationEvent.Condition.SUCCESS);
            assertThat(event.attempts()).isEqualTo(2);
            assertThat(event.requestPayload()).isEqualTo("order-7");
            assertThat(event.responsePayload()).contains("done: order-7");
            assertThat(event.errorType()).isEmpty();
            assertThat(event.errorMessage()).isEmpty();
            assertThat(event.timestamp()).isEqualTo(START.plus(RETRY));
        });
        assertThat(runtime.deadLetters()).isEmpty();
    }

    @Test
    void sendsAFinalFailureToItsOnFailureDestination() {
        FaasRuntime runtime = start();
        deployDestination(runtime, "failures");
        FunctionRef<String, String> broken = deploy(
                runtime,
                "broken",
                failing(Integer.MAX_VALUE),
                FunctionConfig.builder()
                        .maxRetryAttempts(1)
                        .retryDelay(RETRY)
                        .onFailure("failures")
                        .build());

        String requestId = broken.invokeEvent("order-8");
        clock.advance(RETRY);

        assertThat(received).singleElement().satisfies(event -> {
            assertThat(event.requestId()).isEqualTo(requestId);
            assertThat(event.condition()).isEqualTo(DestinationEvent.Condition.RETRIES_EXHAUSTED);
            assertThat(event.attempts()).isEqualTo(2);
            assertThat(event.requestPayload()).isEqualTo("order-8");
            assertThat(event.responsePayload()).isEmpty();
            assertThat(event.errorType()).contains(IllegalStateException.class.getName());
            assertThat(event.errorMessage()).contains("try 2 of order-8 failed");
        });
        assertThat(runtime.deadLetters()).isEmpty();
    }

    @Test
    void deadLettersAFinalFailureWithoutDestinationAndCountsIt() {
        FaasRuntime runtime = start();
        FunctionRef<String, String> broken = deploy(
                runtime,
                "broken",
                failing(Integer.MAX_VALUE),
                FunctionConfig.builder().maxRetryAttempts(0).build());

        broken.invokeEvent("order-9");
        runtime.awaitQuiescence(Duration.ofSeconds(5));

        assertThat(runtime.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.condition()).isEqualTo(DestinationEvent.Condition.RETRIES_EXHAUSTED);
            assertThat(letter.requestPayload()).isEqualTo("order-9");
        });
        assertThat(registry.get("faas.dead.letters")
                        .tag("function", "broken")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("faas.async.events.dropped")
                        .tag("function", "broken")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void neverRoutesAFailedDestinationDeliveryFurther() {
        FaasRuntime runtime = start();
        runtime.deploy(FunctionSpec.of(
                        "bad-destination", DestinationEvent.class, String.class, () -> (event, context) -> {
                            throw new IllegalStateException("cannot store " + event.requestId());
                        })
                .withConfig(FunctionConfig.builder().maxRetryAttempts(0).build()));
        FunctionRef<String, String> broken = deploy(
                runtime,
                "broken",
                failing(Integer.MAX_VALUE),
                FunctionConfig.builder()
                        .maxRetryAttempts(0)
                        .onFailure("bad-destination")
                        .build());

        String requestId = broken.invokeEvent("order-10");
        runtime.awaitQuiescence(Duration.ofSeconds(5));

        assertThat(runtime.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.function()).isEqualTo("bad-destination");
            assertThat(letter.requestPayload())
                    .isInstanceOfSatisfying(
                            DestinationEvent.class,
                            original -> assertThat(original.requestId()).isEqualTo(requestId));
            assertThat(letter.errorMessage()).get().asString().contains("cannot store " + requestId);
        });
    }

    @Test
    void deadLettersWithAWarningWhenTheDestinationIsGone() {
        FaasRuntime runtime = start();
        deployDestination(runtime, "audit");
        FunctionRef<String, String> work = deploy(
                runtime,
                "work",
                failing(0),
                FunctionConfig.builder().onSuccess("audit").build());
        runtime.undeploy("audit");

        try (LogCapture log = LogCapture.of(FaasRuntime.class.getName(), Level.WARN)) {
            work.invokeEvent("order-11");
            runtime.awaitQuiescence(Duration.ofSeconds(5));

            assertThat(log.messages())
                    .anySatisfy(line -> assertThat(line)
                            .contains("went to the dead letters: its destination 'audit' is not deployed"));
        }
        assertThat(runtime.deadLetters())
                .singleElement()
                .extracting(DestinationEvent::condition)
                .isEqualTo(DestinationEvent.Condition.SUCCESS);
    }

    @Test
    void deadLettersWithAWarningWhenTheDestinationWasRedeployedWithAnotherInputType() {
        FaasRuntime runtime = start();
        deployDestination(runtime, "audit");
        FunctionRef<String, String> work = deploy(
                runtime,
                "work",
                failing(0),
                FunctionConfig.builder().onSuccess("audit").build());
        runtime.undeploy("audit");
        deploy(runtime, "audit", failing(0), FunctionConfig.defaults()); // takes a String now

        try (LogCapture log = LogCapture.of(FaasRuntime.class.getName(), Level.WARN)) {
            work.invokeEvent("order-11");
            runtime.awaitQuiescence(Duration.ofSeconds(5));

            assertThat(log.messages())
                    .anySatisfy(line -> assertThat(line)
                            .contains("went to the dead letters: its destination 'audit' refused it")
                            .contains("takes java.lang.String"));
        }
        assertThat(tries).extracting(Try::attempt).containsExactly(1); // work's one try; audit never ran
        assertThat(runtime.deadLetters())
                .singleElement()
                .extracting(DestinationEvent::condition)
                .isEqualTo(DestinationEvent.Condition.SUCCESS);
    }

    @Test
    void runsASharedPoolEventOnceAnotherFunctionFreesTheSlot() throws InterruptedException {
        FaasRuntime runtime = fixture.start(b -> b.clock(clock).concurrencyLimit(2));
        deploy(
                runtime,
                "reserved",
                failing(0),
                FunctionConfig.builder().reservedConcurrency(1).build());
        Gate gate = fixture.gate();
        FunctionRef<String, String> holder =
                runtime.deploy(FunctionSpec.of("holder", String.class, String.class, () -> (input, context) -> {
                    gate.pass();
                    return input;
                }));
        FunctionRef<String, String> shared = deploy(runtime, "shared", failing(0), FunctionConfig.defaults());
        var held = holder.invokeAsync("the shared pool's one slot");
        runtime.awaitQuiescence(Duration.ofSeconds(5));

        shared.invokeEvent("order-14");
        runtime.awaitQuiescence(Duration.ofSeconds(5));
        assertThat(tries).as("the shared pool is full").isEmpty();

        gate.open();
        held.join();
        runtime.awaitQuiescence(Duration.ofSeconds(5));

        assertThat(tries).singleElement().extracting(Try::attempt).isEqualTo(1);
        assertThat(runtime.ledger().usage("shared").requests()).isEqualTo(1);
    }

    @Test
    void keepsNoEntryForEventsThatExpiredWhileQueued() {
        FaasRuntime runtime = start();
        FunctionRef<String, String> disabled = deploy(
                runtime,
                "disabled",
                failing(0),
                FunctionConfig.builder()
                        .reservedConcurrency(0)
                        .maxEventAge(Duration.ofMinutes(1))
                        .build());
        EventQueue queue = runtime.engine().deployed("disabled").events;

        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < 10; i++) {
                disabled.invokeEvent("order-" + round + "-" + i);
            }
            clock.advance(Duration.ofMinutes(1));
        }

        assertThat(runtime.deadLetters()).hasSize(500);
        assertThat(queue.entries())
                .as("entries left in the FIFO by expired events")
                .isLessThanOrEqualTo(70);
    }

    @Test
    void expiresAnEventThatNeverRanByItsMaximumAge() {
        FaasRuntime runtime = start();
        FunctionRef<String, String> disabled = deploy(
                runtime,
                "disabled",
                failing(0),
                FunctionConfig.builder()
                        .reservedConcurrency(0)
                        .maxEventAge(Duration.ofMinutes(30))
                        .build());

        disabled.invokeEvent("order-12");
        clock.advance(Duration.ofMinutes(30).minusNanos(1));
        assertThat(runtime.deadLetters()).isEmpty();
        clock.advance(Duration.ofNanos(1));

        assertThat(tries).isEmpty();
        assertThat(runtime.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.condition()).isEqualTo(DestinationEvent.Condition.EVENT_AGE_EXCEEDED);
            assertThat(letter.attempts()).isZero();
            assertThat(letter.timestamp()).isEqualTo(START.plus(Duration.ofMinutes(30)));
        });
    }

    @Test
    void expiresAnEventBetweenTries() {
        FaasRuntime runtime = start();
        FunctionRef<String, String> flaky = deploy(
                runtime,
                "flaky",
                failing(Integer.MAX_VALUE),
                FunctionConfig.builder()
                        .retryDelay(RETRY)
                        .maxEventAge(Duration.ofSeconds(90))
                        .build());

        flaky.invokeEvent("order-13");
        clock.advance(Duration.ofMinutes(10));

        assertThat(tries).hasSize(2); // at 0 and 60 s; the third would have been at 180 s, past 90 s
        assertThat(runtime.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.condition()).isEqualTo(DestinationEvent.Condition.EVENT_AGE_EXCEEDED);
            assertThat(letter.attempts()).isEqualTo(2);
            assertThat(letter.timestamp()).isEqualTo(START.plusSeconds(90));
        });
    }

    @Test
    void refusesEventsPastTheQueueBound() throws InterruptedException {
        FaasRuntime runtime = start();
        Gate gate = fixture.gate();
        FunctionRef<String, String> slow =
                runtime.deploy(FunctionSpec.of("slow", String.class, String.class, () -> (input, context) -> {
                            gate.pass();
                            return input;
                        })
                        .withConfig(FunctionConfig.builder()
                                .reservedConcurrency(1)
                                .maxQueuedEvents(2)
                                .timeout(Duration.ofMinutes(15))
                                .build()));

        slow.invokeEvent("running");
        gate.awaitArrivals(1);
        slow.invokeEvent("queued");

        assertThatThrownBy(() -> slow.invokeEvent("one too many"))
                .isInstanceOfSatisfying(ThrottledException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ThrottledException.Reason.QUEUE_FULL);
                    assertThat(e.limit()).isEqualTo(2);
                })
                .hasMessageContaining("its event queue holds 2 events");
        assertThat(registry.get("faas.async.queue.size")
                        .tag("function", "slow")
                        .gauge()
                        .value())
                .isEqualTo(2);
        gate.open();
        runtime.awaitQuiescence(Duration.ofSeconds(5));
        assertThat(runtime.ledger().usage("slow").requests()).isEqualTo(2);
        assertThat(registry.get("faas.async.queue.size")
                        .tag("function", "slow")
                        .gauge()
                        .value())
                .isZero();
    }

    @Test
    void runsEveryThrottledEventOnceASlotFrees() {
        FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(3));
        AtomicInteger ran = new AtomicInteger();
        FunctionRef<Integer, Integer> count =
                runtime.deploy(FunctionSpec.of("count", Integer.class, Integer.class, () -> (input, context) -> {
                    ran.incrementAndGet();
                    Thread.sleep(1); // a little I/O, so that events really pile up behind the limit
                    return input;
                }));
        FunctionRef<Integer, Integer> other = runtime.deploy(FunctionSpec.of(
                        "other", Integer.class, Integer.class, () -> (input, context) -> input)
                .withConfig(FunctionConfig.builder().reservedConcurrency(1).build()));

        for (int i = 0; i < 200; i++) {
            count.invokeEvent(i);
            other.invoke(i); // its reservation keeps it running while events fill the shared pool
        }

        eventually().untilAsserted(() -> assertThat(ran).hasValue(200));
        assertThat(runtime.deadLetters()).isEmpty();
    }

    @Test
    void runsADuplicateDeliveryOnlyOnce() {
        FaasRuntime runtime = fixture.start(b -> b.clock(clock).idempotencyTtl(Duration.ofMinutes(10)));
        FunctionRef<String, String> work = deploy(runtime, "work", failing(0), FunctionConfig.defaults());

        String first = work.invokeEvent("payload", "message-1");
        String repeat = work.invokeEvent("payload", "message-1");
        String other = work.invokeEvent("payload", "message-2");
        runtime.awaitQuiescence(Duration.ofSeconds(5));

        assertThat(repeat).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
        assertThat(tries).hasSize(2);

        clock.advance(Duration.ofMinutes(10));
        assertThat(work.invokeEvent("payload", "message-1"))
                .as("a new key after the window")
                .isNotEqualTo(first);
        assertThatThrownBy(() -> work.invokeEvent("payload", ""))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("an idempotency key must be 1 to 256 characters");
    }

    @Test
    void checksThePayloadWhenTheEventIsAccepted() {
        FaasRuntime runtime = start();
        deploy(runtime, "work", failing(0), FunctionConfig.defaults());

        assertThatThrownBy(() -> runtime.invokeEvent("work", 42)).isInstanceOf(PayloadTypeException.class);
        assertThat(runtime.ledger().entries()).isEmpty();
    }

    @Test
    void refusesDestinationsThatAreMissingOrTakeSomethingElse() {
        FaasRuntime runtime = start();
        deploy(runtime, "strings", failing(0), FunctionConfig.defaults());

        assertThatThrownBy(() -> deploy(
                        runtime,
                        "a",
                        failing(0),
                        FunctionConfig.builder().onFailure("nowhere").build()))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("onFailure"))
                .hasMessageContaining("no function named 'nowhere' is deployed");
        assertThatThrownBy(() -> deploy(
                        runtime,
                        "b",
                        failing(0),
                        FunctionConfig.builder().onSuccess("strings").build()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("'strings' takes java.lang.String");
    }

    @Test
    void runsQueuedEventsWhileItDrainsAndHandsBackWhatIsLeft() throws InterruptedException {
        List<DestinationEvent> undelivered = new CopyOnWriteArrayList<>();
        FaasRuntime runtime = fixture.start(b -> b.clock(clock).undeliveredEvents(undelivered::add));
        Gate gate = fixture.gate();
        FunctionRef<String, String> slow =
                runtime.deploy(FunctionSpec.of("slow", String.class, String.class, () -> (input, context) -> {
                            gate.pass();
                            tries.add(new Try(
                                    context.requestId(), context.attempt(), context.invocationType(), clock.now()));
                            return input;
                        })
                        .withConfig(FunctionConfig.builder()
                                .reservedConcurrency(1)
                                .timeout(Duration.ofMinutes(15))
                                .build()));
        FunctionRef<String, String> flaky = deploy(
                runtime,
                "flaky",
                failing(Integer.MAX_VALUE),
                FunctionConfig.builder().retryDelay(RETRY).build());
        slow.invokeEvent("first");
        gate.awaitArrivals(1);
        slow.invokeEvent("second"); // queued behind the first
        String waiting = flaky.invokeEvent("retry later"); // fails now, its retry is due in a minute

        Thread closer = Thread.startVirtualThread(runtime::close);
        eventually()
                .untilAsserted(() -> assertThatThrownBy(() -> slow.dryRun("late")) // probes without queueing
                        .isInstanceOf(RuntimeClosedException.class));
        assertThatThrownBy(() -> slow.invokeEvent("late")).isInstanceOf(RuntimeClosedException.class);
        gate.open();
        closer.join();

        assertThat(tries).filteredOn(t -> t.type() == InvocationType.EVENT).hasSize(3); // first, second, flaky's try
        assertThat(undelivered).singleElement().satisfies(event -> {
            assertThat(event.requestId()).isEqualTo(waiting);
            assertThat(event.condition()).isEqualTo(DestinationEvent.Condition.SHUTDOWN);
            assertThat(event.requestPayload()).isEqualTo("retry later");
            assertThat(event.attempts()).isEqualTo(1);
        });
        assertThat(runtime.ledger().usage().requests()).isEqualTo(3);
        assertThat(runtime.deadLetters()).isEmpty();
    }

    @Test
    void keepsWhatIsLeftAtCloseInTheDeadLettersByDefault() {
        FaasRuntime runtime = start();
        deploy(
                        runtime,
                        "flaky",
                        failing(Integer.MAX_VALUE),
                        FunctionConfig.builder().retryDelay(RETRY).build())
                .invokeEvent("retry later");
        runtime.awaitQuiescence(Duration.ofSeconds(5));

        try (LogCapture log = LogCapture.of(FaasRuntime.class.getName(), Level.WARN)) {
            runtime.close();

            assertThat(log.messages())
                    .anySatisfy(
                            line -> assertThat(line)
                                    .contains(
                                            "1 EVENT invocations could not run before the runtime closed; they are in deadLetters()"));
        }
        assertThat(runtime.deadLetters())
                .singleElement()
                .extracting(DestinationEvent::condition)
                .isEqualTo(DestinationEvent.Condition.SHUTDOWN);
    }

    private FaasRuntime start() {
        return fixture.start(b -> b.clock(clock).meterRegistry(registry));
    }

    /** A handler that fails its first {@code failures} tries, recording each. */
    private HandlerSpec failing(int failures) {
        return new HandlerSpec(failures);
    }

    private record HandlerSpec(int failures) {}

    private FunctionRef<String, String> deploy(
            FaasRuntime runtime, String name, HandlerSpec handler, FunctionConfig config) {
        return runtime.deploy(FunctionSpec.of(name, String.class, String.class, () -> (input, context) -> {
                    tries.add(new Try(context.requestId(), context.attempt(), context.invocationType(), clock.now()));
                    if (context.attempt() <= handler.failures()) {
                        throw new IllegalStateException("try " + context.attempt() + " of " + input + " failed");
                    }
                    return "done: " + input;
                })
                .withConfig(config));
    }

    private void deployDestination(FaasRuntime runtime, String name) {
        runtime.deploy(FunctionSpec.of(name, DestinationEvent.class, String.class, () -> (event, context) -> {
            received.add(event);
            return "stored";
        }));
    }
}
