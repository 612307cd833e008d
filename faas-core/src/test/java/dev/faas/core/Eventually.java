package dev.faas.core;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/** The one way tests wait for an asynchronous condition: polled briefly, bounded generously. */
final class Eventually {

    private Eventually() {}

    static ConditionFactory eventually() {
        return Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(5));
    }
}
