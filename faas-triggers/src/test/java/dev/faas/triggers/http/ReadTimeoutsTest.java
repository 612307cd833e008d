package dev.faas.triggers.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The deadline handshake between a connection's thread and the sweeper, one step at a time. */
class ReadTimeoutsTest {

    private final ReadTimeouts timeouts = new ReadTimeouts("test", Duration.ofHours(1), Duration.ofHours(1));

    @AfterEach
    void close() {
        timeouts.close();
    }

    @Test
    void aReadThatEndsInTimeKeepsItsThreadUninterrupted() {
        ReadTimeouts.Watch watch = timeouts.watch();
        watch.arm(Duration.ofHours(1).toNanos());
        assertThat(watch.expire(System.nanoTime())).isFalse(); // not due yet
        assertThat(watch.disarm()).isTrue();
        assertThat(watch.expire(System.nanoTime() + Duration.ofHours(2).toNanos())).isFalse(); // nothing armed
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void aLateReadIsClaimedOnceAndItsInterruptCleared() {
        ReadTimeouts.Watch watch = timeouts.watch();
        watch.arm(0);
        long late = System.nanoTime() + 1;
        assertThat(watch.expire(late)).isTrue();
        assertThat(watch.expire(late)).isFalse(); // claimed: the sweeper interrupts once
        Thread.currentThread().interrupt(); // what the sweeper does after its claim
        assertThat(watch.disarm()).isFalse();
        assertThat(Thread.interrupted()).isFalse(); // cleared, so the call that follows is not cut short
        watch.arm(Duration.ofHours(1).toNanos()); // and the next read starts afresh
        assertThat(watch.disarm()).isTrue();
    }

    @Test
    void givesEachThreadItsOwnWatch() throws InterruptedException {
        ReadTimeouts.Watch mine = timeouts.watch();
        ReadTimeouts.Watch[] theirs = new ReadTimeouts.Watch[1];
        Thread other = Thread.ofVirtual().start(() -> theirs[0] = timeouts.watch());
        other.join();
        assertThat(theirs[0]).isNotSameAs(mine);
        assertThat(timeouts.watch()).isSameAs(mine);
    }
}
