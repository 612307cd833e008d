package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.Handler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

final class IdleEnvironmentsTest {

    private final IdleEnvironments idle = new IdleEnvironments();

    @Test
    void givesTheMostRecentlyUsedFirst() {
        Environment older = idleSince(1);
        Environment newer = idleSince(2);
        idle.push(older);
        idle.push(newer);

        assertThat(idle.poll()).isSameAs(newer);
        assertThat(idle.poll()).isSameAs(older);
        assertThat(idle.poll()).isNull();
    }

    @Test
    void removesOnlyWhatSatIdleForTheTimeout() {
        Environment expired = idleSince(100);
        Environment fresh = idleSince(200);
        idle.push(expired);
        idle.push(fresh);

        assertThat(idle.oldestIdleSince()).isEqualTo(100);
        assertThat(idle.removeExpired(250, 150)).containsExactly(expired);
        assertThat(idle.size()).isEqualTo(1);
        assertThat(idle.oldestIdleSince()).isEqualTo(200);
        assertThat(idle.removeAll()).containsExactly(fresh);
        assertThat(idle.isEmpty()).isTrue();
        assertThat(idle.oldestIdleSince()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void underContentionNoEnvironmentIsLostOrHandedOutTwice() throws Exception {
        int threads = 4;
        int environments = 16;
        for (int i = 0; i < environments; i++) {
            idle.push(idleSince(i));
        }
        Set<Environment> held = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<Integer>> misses = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                misses.add(pool.submit(() -> {
                    start.await();
                    int none = 0;
                    for (int round = 0; round < 100_000; round++) {
                        Environment environment = idle.poll();
                        if (environment == null) {
                            none++;
                            continue;
                        }
                        assertThat(held.add(environment)).as("handed out twice").isTrue();
                        held.remove(environment);
                        idle.push(environment);
                    }
                    return none;
                }));
            }
            start.countDown();
            for (Future<Integer> miss : misses) {
                // Fewer callers than environments: a caller never finds none while one is idle.
                assertThat(miss.get()).isZero();
            }
        }
        assertThat(idle.size()).isEqualTo(environments);
        assertThat(idle.removeAll()).hasSize(environments).doesNotHaveDuplicates();
    }

    private static Environment idleSince(long nanos) {
        Handler<Object, Object> handler = (input, context) -> input;
        Environment environment = new Environment(handler, false);
        environment.idleSince = nanos;
        return environment;
    }
}
