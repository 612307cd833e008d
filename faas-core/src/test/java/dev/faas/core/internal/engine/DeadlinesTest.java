package dev.faas.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.ManualClock;
import dev.faas.api.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

final class DeadlinesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final Deadlines deadlines = Deadlines.handlers(clock, TIMEOUT);

    @Test
    void stopsACallExactlyAtItsDeadlineOnAManualClock() {
        Call call = new Call();
        deadlines.join(call, clock.nanoTime());

        clock.advance(TIMEOUT.minusNanos(1));
        assertThat(call.stopped).isZero();
        clock.advance(Duration.ofNanos(1));
        assertThat(call.stopped).isEqualTo(1);
    }

    @Test
    void initPhasesOfOneInstantShareOneTimerAndAreToldOfTheirInitDeadline() {
        Deadlines initPhases = Deadlines.initPhases(clock, Duration.ofSeconds(10));
        Call first = new Call();
        Call second = new Call();
        initPhases.join(first, clock.nanoTime());
        initPhases.join(second, clock.nanoTime());
        assertThat(clock.pendingTimers()).as("one timer for the cohort").isEqualTo(1);

        clock.advance(Duration.ofSeconds(10));

        assertThat(first.initStopped).isEqualTo(1);
        assertThat(second.initStopped).isEqualTo(1);
        assertThat(first.stopped + second.stopped).as("no handler deadline").isZero();
    }

    @Test
    void callsOfOneInstantShareOneTimerAndACallThatLeftIsNotStopped() {
        Call left = new Call();
        Call stays = new Call();
        deadlines.join(left, clock.nanoTime());
        deadlines.join(stays, clock.nanoTime());
        assertThat(clock.pendingTimers()).isEqualTo(1);

        left.leave();
        clock.advance(TIMEOUT);

        assertThat(left.stopped).isZero();
        assertThat(stays.stopped).isEqualTo(1);
    }

    @Test
    void aReplacedCohortsTimerGoesWhenItsLastMemberLeaves() {
        Call first = new Call();
        deadlines.join(first, clock.nanoTime());
        clock.advance(Duration.ofMillis(1));
        Call second = new Call();
        deadlines.join(second, clock.nanoTime()); // a new instant: a new cohort replaces the first
        assertThat(clock.pendingTimers()).isEqualTo(2);

        first.leave();
        assertThat(clock.pendingTimers()).isEqualTo(1);
        second.leave();
        assertThat(clock.pendingTimers()).as("the open cohort keeps its timer").isEqualTo(1);
        deadlines.close();
        assertThat(clock.pendingTimers()).isZero();
    }

    @Test
    void aDeadCohortIsNeverJoinedAgain() {
        Call first = new Call();
        deadlines.join(first, clock.nanoTime());
        Deadlines.Cohort cohort = first.cohort;
        first.leave();
        deadlines.close(); // sealed and empty: its timer is cancelled

        assertThat(cohort.tryJoin(new Call())).isEqualTo(-1);
        Call later = new Call();
        deadlines.join(later, clock.nanoTime());
        assertThat(later.cohort).isNotSameAs(cohort);
        clock.advance(TIMEOUT);
        assertThat(later.stopped).isEqualTo(1);
    }

    @Test
    void aCallDelayedPastANewerCohortGetsItsOwnExactDeadline() {
        long delayedStart = clock.nanoTime();
        clock.advance(Duration.ofMillis(5));
        deadlines.join(new Call(), clock.nanoTime()); // the open cohort is 5 ms newer
        Call delayed = new Call();

        deadlines.join(delayed, delayedStart);

        assertThat(delayed.cohort).isNull();
        assertThat(delayed.own).isNotNull();
        clock.advance(TIMEOUT.minusMillis(5).minusNanos(1));
        assertThat(delayed.stopped).isZero();
        clock.advance(Duration.ofNanos(1));
        assertThat(delayed.stopped).isEqualTo(1);
    }

    @Test
    void aCallThatJoinsAfterItsCohortFiredIsStoppedByATimerOfItsOwn() {
        Call early = new Call();
        long start = clock.nanoTime();
        deadlines.join(early, start);
        clock.advance(TIMEOUT);
        assertThat(early.stopped).isEqualTo(1);

        Call late = new Call(); // read the clock at start, then was held up for the whole timeout
        deadlines.join(late, start);
        clock.advance(Duration.ZERO); // a zero delay fires on the next advance

        assertThat(late.own).isNotNull();
        assertThat(late.stopped).isEqualTo(1);
    }

    @Test
    void aBurstOfOneInstantOpensMoreCohortsAndStopsEveryCall() {
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < Deadlines.COHORT_SIZE * 3 + 1; i++) {
            Call call = new Call();
            calls.add(call);
            deadlines.join(call, clock.nanoTime());
        }
        assertThat(clock.pendingTimers()).isEqualTo(4);

        clock.advance(TIMEOUT);

        assertThat(calls).allSatisfy(call -> assertThat(call.stopped).isEqualTo(1));
    }

    @Test
    void onTheSystemClockCallsOfOneMillisecondShareATimerSetForItsEnd() {
        Deadlines system = Deadlines.handlers(TimeSource.system(), Duration.ofMinutes(1));
        Call first = new Call();
        Call second = new Call();
        long millisecond = 5_000_000_000L;
        system.join(first, millisecond + 1);
        system.join(second, millisecond + 999_999);

        assertThat(second.cohort).isSameAs(first.cohort);
        first.leave();
        second.leave();
        system.close();
    }

    /** A member that counts how often its deadline passed. */
    private static final class Call implements Deadlines.Member {
        Deadlines.Cohort cohort;
        int slot;
        TimeSource.Cancellable own;
        int stopped;
        int initStopped;

        @Override
        public void joined(Deadlines.Cohort cohort, int slot) {
            this.cohort = cohort;
            this.slot = slot;
        }

        @Override
        public void ownDeadline(TimeSource.Cancellable timer) {
            own = timer;
        }

        @Override
        public void handlerDeadline() {
            stopped++;
        }

        @Override
        public void initDeadline() {
            initStopped++;
        }

        void leave() {
            cohort.leave(slot);
        }
    }
}
