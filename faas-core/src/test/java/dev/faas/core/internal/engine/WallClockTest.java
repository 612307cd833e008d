package dev.faas.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.ManualClock;
import dev.faas.api.TimeSource;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

final class WallClockTest {

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00.999999999Z"));
    private final WallClock wallClock = new WallClock(clock);

    @Test
    void derivesExactInstantsOnAManualClock() {
        clock.advance(Duration.ofMillis(30));
        long now = clock.nanoTime();
        WallClock.Anchor anchor = wallClock.anchorFor(now);

        assertThat(anchor.instantAt(now)).isEqualTo(clock.now());
        assertThat(anchor.instantAt(now - 1)).isEqualTo(clock.now().minusNanos(1));
        assertThat(anchor.instantAt(now + 3_000_000_001L)).isEqualTo(clock.now().plusNanos(3_000_000_001L));
        assertThat(anchor.epochSecondAt(now)).isEqualTo(clock.now().getEpochSecond());
        assertThat(anchor.nanoAt(now)).isEqualTo(clock.now().getNano());
    }

    @Test
    void renewsItsAnchorOnceItIsOld() {
        WallClock.Anchor first = wallClock.anchorFor(clock.nanoTime());
        clock.advance(Duration.ofMillis(99));
        assertThat(wallClock.anchorFor(clock.nanoTime())).isSameAs(first);

        clock.advance(Duration.ofMillis(1));
        WallClock.Anchor renewed = wallClock.anchorFor(clock.nanoTime());

        assertThat(renewed).isNotSameAs(first);
        assertThat(renewed.instantAt(clock.nanoTime())).isEqualTo(clock.now());
    }

    @Test
    void followsTheSystemClockClosely() {
        TimeSource system = TimeSource.system();
        WallClock systemWall = new WallClock(system);
        Instant before = system.now();
        Instant derived = systemWall.anchorFor(system.nanoTime()).instantAt(system.nanoTime());
        Instant after = system.now();

        assertThat(derived).isBetween(before.minusMillis(1), after.plusMillis(1));
    }
}
