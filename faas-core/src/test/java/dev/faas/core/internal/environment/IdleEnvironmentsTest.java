package dev.faas.core.internal.environment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.Context;
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
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

final class IdleEnvironmentsTest {

    private final IdleEnvironments idle = new IdleEnvironments();

    @Test
    void givesTheMostRecentlyUsedFirst() {
        Handler<Object, Object> older = handler();
        Handler<Object, Object> newer = handler();
        idle.push(older, 1, 0);
        idle.push(newer, 2, 0);

        assertThat(idle.poll(0)).isSameAs(newer);
        assertThat(idle.poll(0)).isSameAs(older);
        assertThat(idle.poll(0)).isNull();
    }

    @Test
    void removesOnlyWhatSatIdleForTheTimeout() {
        Handler<Object, Object> expired = handler();
        Handler<Object, Object> fresh = handler();
        idle.push(expired, 100, 0);
        idle.push(fresh, 200, 0);

        assertThat(idle.oldestIdleSince()).isEqualTo(100);
        assertThat(idle.removeExpired(250, 150)).containsExactly(expired);
        assertThat(idle.size()).isEqualTo(1);
        assertThat(idle.oldestIdleSince()).isEqualTo(200);
        assertThat(idle.removeAll()).containsExactly(fresh);
        assertThat(idle.isEmpty()).isTrue();
        assertThat(idle.oldestIdleSince()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void growsPastABurstAndExpiresItOldestFirst() {
        List<Handler<Object, Object>> pushed = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Handler<Object, Object> environment = handler();
            pushed.add(environment);
            idle.push(environment, i, 0); // one thread: every push meets the first stack free
        }

        assertThat(idle.size()).isEqualTo(1000);
        assertThat(idle.removeExpired(1000, 100)).containsExactlyElementsOf(pushed.subList(0, 901));
        assertThat(idle.oldestIdleSince()).isEqualTo(901);
        for (int i = 999; i >= 901; i--) {
            assertThat(idle.poll(0)).isSameAs(pushed.get(i));
        }
        assertThat(idle.poll(0)).isNull();
    }

    @Test
    void underContentionNoEnvironmentIsLostOrHandedOutTwice() throws Exception {
        int threads = 4;
        int environments = 16;
        for (int i = 0; i < environments; i++) {
            idle.push(handler(), i, 0);
        }
        Set<Handler<Object, Object>> held =
                Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<Integer>> misses = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                misses.add(pool.submit(() -> {
                    start.await();
                    int none = 0;
                    for (int round = 0; round < 100_000; round++) {
                        int spread = ThreadLocalRandom.current().nextInt();
                        Handler<Object, Object> environment = idle.poll(spread);
                        if (environment == null) {
                            none++;
                            continue;
                        }
                        assertThat(held.add(environment)).as("handed out twice").isTrue();
                        held.remove(environment);
                        idle.push(environment, round, spread);
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

    /** A distinct handler instance each time: an environment of its own. */
    private static Handler<Object, Object> handler() {
        return new Handler<>() {
            @Override
            public Object handle(Object input, Context context) {
                return input;
            }
        };
    }
}
