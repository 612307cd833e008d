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
    void firesAfterTheDelay() throws InterruptedException {
        CountDownLatch fired = new CountDownLatch(1);
        long start = System.nanoTime();

        clock.schedule(Duration.ofMillis(20), fired::countDown);

        assertThat(fired.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(20).toNanos());
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
