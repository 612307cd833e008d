package dev.faas.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

final class ManualClockTest {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private final ManualClock clock = new ManualClock(START);
    private final List<String> fired = new ArrayList<>();

    @Test
    void readsTheStartUntilAdvanced() {
        assertThat(clock.now()).isEqualTo(START);
        assertThat(clock.nanoTime()).isZero();

        clock.advance(Duration.ofMillis(1500));

        assertThat(clock.now()).isEqualTo(START.plusMillis(1500));
        assertThat(clock.nanoTime()).isEqualTo(1_500_000_000L);
    }

    @Test
    void firesOnlyWhenAdvancedToOrPastTheDueTime() {
        clock.schedule(Duration.ofSeconds(2), () -> fired.add("2s"));

        clock.advance(Duration.ofSeconds(2).minusNanos(1));
        assertThat(fired).isEmpty();

        clock.advance(Duration.ofNanos(1));
        assertThat(fired).containsExactly("2s");
        assertThat(clock.pendingTimers()).isZero();
    }

    @Test
    void firesInTimeOrderWithNowAtEachDueTime() {
        List<Instant> seen = new ArrayList<>();
        clock.schedule(Duration.ofSeconds(3), () -> seen.add(clock.now()));
        clock.schedule(Duration.ofSeconds(1), () -> seen.add(clock.now()));
        clock.schedule(Duration.ofSeconds(2), () -> seen.add(clock.now()));

        clock.advance(Duration.ofSeconds(10));

        assertThat(seen).containsExactly(START.plusSeconds(1), START.plusSeconds(2), START.plusSeconds(3));
        assertThat(clock.now()).isEqualTo(START.plusSeconds(10));
    }

    @Test
    void firesTimersThatFiredTimersScheduleInsideTheWindow() {
        clock.schedule(Duration.ofSeconds(1), () -> {
            fired.add("first");
            clock.schedule(Duration.ofSeconds(1), () -> fired.add("second"));
            clock.schedule(Duration.ofSeconds(5), () -> fired.add("too late"));
        });

        clock.advance(Duration.ofSeconds(3));

        assertThat(fired).containsExactly("first", "second");
    }

    @Test
    void firesAZeroDelayOnTheNextAdvanceOnly() {
        clock.schedule(Duration.ZERO, () -> fired.add("now"));
        assertThat(fired).isEmpty();

        clock.advance(Duration.ZERO);

        assertThat(fired).containsExactly("now");
    }

    @Test
    void cancelledTimersNeverFire() {
        TimeSource.Cancellable timer = clock.schedule(Duration.ofSeconds(1), () -> fired.add("cancelled"));

        assertThat(timer.cancel()).isTrue();
        assertThat(timer.cancel()).isFalse();
        clock.advance(Duration.ofSeconds(2));

        assertThat(fired).isEmpty();
    }

    @Test
    void aFailingTimerDoesNotStopTheOthers() {
        clock.schedule(Duration.ofSeconds(1), () -> {
            throw new IllegalStateException("boom");
        });
        clock.schedule(Duration.ofSeconds(2), () -> fired.add("after"));

        clock.advance(Duration.ofSeconds(2));

        assertThat(fired).containsExactly("after");
    }

    @Test
    void refusesToBeAdvancedByItsOwnTimers() {
        clock.schedule(Duration.ofSeconds(1), () -> {
            try {
                clock.advance(Duration.ofSeconds(1));
            } catch (IllegalStateException e) {
                fired.add(e.getMessage());
            }
        });

        clock.advance(Duration.ofSeconds(5));

        assertThat(fired).singleElement().asString().contains("advance was called from a timer task");
        assertThat(clock.now()).isEqualTo(START.plusSeconds(5));
    }

    @Test
    void countsOnlyTimersThatCanStillFire() {
        TimeSource.Cancellable first = clock.schedule(Duration.ofSeconds(1), () -> fired.add("first"));
        clock.schedule(Duration.ofSeconds(2), () -> fired.add("second"));
        assertThat(clock.pendingTimers()).isEqualTo(2);

        first.cancel();
        assertThat(clock.pendingTimers()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(2));

        assertThat(clock.pendingTimers()).isZero();
        assertThat(fired).containsExactly("second");
    }

    @Test
    void refusesToGoBack() {
        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only moves forward");
    }

    @Test
    void waitsForParticipantsBetweenFirings() {
        AtomicBoolean busy = new AtomicBoolean();
        List<Boolean> busyWhenFired = new ArrayList<>();
        clock.join(() -> {
            // busy for one look after each firing, as a runtime settling the work a timer started
            return busy.getAndSet(false) ? Optional.of("settling") : Optional.empty();
        });
        clock.schedule(Duration.ofSeconds(1), () -> {
            busyWhenFired.add(busy.get());
            busy.set(true);
        });
        clock.schedule(Duration.ofSeconds(2), () -> busyWhenFired.add(busy.get()));

        clock.advance(Duration.ofSeconds(2));

        assertThat(busyWhenFired).containsExactly(false, false);
    }

    @Test
    void namesWhatStaysBusy() {
        ManualClock clock = new ManualClock(START, Duration.ofMillis(100));
        TimeSource.Cancellable membership = clock.join(() -> Optional.of("request 42 of 'spin' (RUNNABLE)"));

        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("still busy: request 42 of 'spin' (RUNNABLE)");

        membership.cancel();
        clock.advance(Duration.ofSeconds(1));
        assertThat(clock.now()).isEqualTo(START.plusSeconds(1));
    }

    @Test
    void firesAnywayOnceOnlyComputingUserCodeIsLeftAfterTheGrace() {
        ManualClock clock = new ManualClock(START, Duration.ofSeconds(30), Duration.ofMillis(20));
        clock.join(new ManualClock.Participant() {
            @Override
            public Optional<String> busy() {
                return Optional.of("request 42 of 'spin' (RUNNABLE)");
            }

            @Override
            public Optional<String> busyOutsideUserCode() {
                return Optional.empty(); // only a handler computing
            }
        });
        List<String> fired = new ArrayList<>();
        clock.schedule(Duration.ofMillis(100), () -> fired.add("deadline"));

        clock.advance(Duration.ofMillis(100));

        assertThat(fired).containsExactly("deadline");
    }

    @Test
    void refusesAGraceLongerThanTheTimeout() {
        assertThatThrownBy(() -> new ManualClock(START, Duration.ofSeconds(1), Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("userCodeGrace must be between 0");
    }
}
