package dev.faas.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

final class SystemTimeSourceTest {

    private final TimeSource clock = TimeSource.system();

    @Test
    void readsTheRealClock() {
        Instant before = Instant.now();
        Instant now = clock.now();

        assertThat(now).isBetween(before, Instant.now());
        assertThat(clock.nanoTime()).isLessThanOrEqualTo(System.nanoTime());
    }

    @Test
    void livesThroughTasksThatThrowErrors() throws InterruptedException {
        CountDownLatch after = new CountDownLatch(1);

        clock.schedule(Duration.ZERO, () -> {
            throw new OutOfMemoryError("a handler's, as the timer met it");
        });
        clock.schedule(Duration.ZERO, () -> {
            throw new StackOverflowError();
        });
        clock.schedule(Duration.ofMillis(5), after::countDown);

        assertThat(after.await(10, TimeUnit.SECONDS))
                .as("a later timer still fires")
                .isTrue();
    }

    @Test
    void firesAfterTheDelay() throws InterruptedException {
        CountDownLatch fired = new CountDownLatch(1);
        long start = System.nanoTime();

        clock.schedule(Duration.ofMillis(20), fired::countDown);

        assertThat(fired.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(System.nanoTime() - start)
                .isGreaterThanOrEqualTo(Duration.ofMillis(20).toNanos());
    }

    @Test
    void firesManyTimersEachNoEarlierThanItsDelay() throws InterruptedException {
        int timers = 2_000;
        CountDownLatch all = new CountDownLatch(timers);
        java.util.concurrent.atomic.AtomicInteger early = new java.util.concurrent.atomic.AtomicInteger();
        for (int i = 0; i < timers; i++) {
            long delayNanos = java.util.concurrent.ThreadLocalRandom.current()
                    .nextLong(0, Duration.ofMillis(300).toNanos());
            long due = System.nanoTime() + delayNanos;
            clock.schedule(Duration.ofNanos(delayNanos), () -> {
                if (System.nanoTime() - due < 0) {
                    early.incrementAndGet();
                }
                all.countDown();
            });
        }

        assertThat(all.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(early).hasValue(0);
    }

    @Test
    void firesATimerLongerThanOneTurnOfTheWheel() throws InterruptedException {
        CountDownLatch fired = new CountDownLatch(1);
        long start = System.nanoTime();

        clock.schedule(Duration.ofMillis(1_500), fired::countDown); // the wheel turns every 1,024 ms

        assertThat(fired.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(System.nanoTime() - start)
                .isGreaterThanOrEqualTo(Duration.ofMillis(1_500).toNanos());
    }

    @Test
    void neverFiresCancelledTimersAmongMany() throws InterruptedException {
        java.util.concurrent.atomic.AtomicInteger cancelledFired = new java.util.concurrent.atomic.AtomicInteger();
        java.util.List<TimeSource.Cancellable> cancelled = new java.util.ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            cancelled.add(clock.schedule(Duration.ofMillis(50), cancelledFired::incrementAndGet));
        }
        long stillCancellable =
                cancelled.stream().filter(TimeSource.Cancellable::cancel).count();
        CountDownLatch later = new CountDownLatch(1);
        clock.schedule(Duration.ofMillis(100), later::countDown);

        assertThat(later.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(cancelledFired.get()).isEqualTo(1_000 - stillCancellable);
    }

    @Test
    void cancelledTimersDoNotFire() throws InterruptedException {
        AtomicBoolean cancelledFired = new AtomicBoolean();
        CountDownLatch later = new CountDownLatch(1);

        TimeSource.Cancellable timer = clock.schedule(Duration.ofMillis(10), () -> cancelledFired.set(true));
        assumeTrue(timer.cancel(), "cancelled before it was due (a badly loaded machine may be too late)");
        // A timer due after the cancelled one has fired, so the cancelled one had its chance.
        clock.schedule(Duration.ofMillis(50), later::countDown);

        assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(cancelledFired).isFalse();
    }
}
