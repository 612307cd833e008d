package dev.faas.triggers.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The deadline handshake between a connection's thread and the sweeper, one step at a time. */
final class ReadTimeoutsTest {

    private static final long HOUR = Duration.ofHours(1).toNanos();

    // Watches made here belong to the test's thread and no sweeper looks at them: the test plays the sweeper.

    @Test
    void aReadThatEndsInTimeKeepsItsThreadUninterrupted() {
        ReadTimeouts.Watch watch = new ReadTimeouts.Watch();
        watch.arm(HOUR);
        assertThat(watch.expire(System.nanoTime())).isFalse(); // not due yet
        assertThat(watch.disarm()).isTrue();
        assertThat(watch.expire(System.nanoTime() + 2 * HOUR)).isFalse(); // nothing armed
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void aLateReadIsInterruptedOnceAndTheInterruptClearedWhenItEnds() {
        ReadTimeouts.Watch watch = new ReadTimeouts.Watch();
        watch.arm(0);
        long late = System.nanoTime() + 1;
        assertThat(watch.expire(late)).isTrue();
        assertThat(Thread.currentThread().isInterrupted()).isTrue(); // what cuts a blocked read short
        assertThat(watch.expire(late)).isFalse(); // once
        assertThat(watch.disarm()).isFalse();
        assertThat(Thread.interrupted()).isFalse(); // cleared, so what the thread does next is not cut short
        assertThat(watch.disarm()).isTrue(); // idempotent
        watch.arm(HOUR); // and the next read starts afresh
        assertThat(watch.disarm()).isTrue();
    }

    @Test
    void givesEachConnectionThreadItsOwnWatch() throws InterruptedException {
        try (ReadTimeouts timeouts = new ReadTimeouts("test", Duration.ofHours(1), Duration.ofHours(1))) {
            ReadTimeouts.Watch mine = timeouts.watch();
            ReadTimeouts.Watch[] theirs = new ReadTimeouts.Watch[1];
            Thread other = Thread.ofVirtual().start(() -> theirs[0] = timeouts.watch());
            other.join();
            assertThat(theirs[0]).isNotSameAs(mine);
            assertThat(timeouts.watch()).isSameAs(mine);
        }
    }
}
