package dev.faas.triggers.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class DueHeapTest {

    private static final class Item extends DueHeap.Due {}

    @Test
    void givesTheEarliestFirstThroughRandomSchedulesMovesAndRemovals() {
        DueHeap<Item> heap = new DueHeap<>();
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            items.add(new Item());
        }
        Set<Item> in = new HashSet<>();
        Random random = new Random(17);
        for (int step = 0; step < 100_000; step++) {
            Item item = items.get(random.nextInt(items.size()));
            switch (random.nextInt(3)) {
                case 0, 1 -> {
                    heap.schedule(item, Long.MAX_VALUE - 500 + random.nextInt(1000)); // across the wrap
                    in.add(item);
                }
                default -> {
                    heap.remove(item);
                    in.remove(item);
                }
            }
            assertThat(heap.size()).isEqualTo(in.size());
            Item first = heap.peek();
            if (in.isEmpty()) {
                assertThat(first).isNull();
            } else {
                assertThat(first).isNotNull();
                long earliest = first.dueAt();
                assertThat(in)
                        .allSatisfy(
                                other -> assertThat(other.dueAt() - earliest).isNotNegative());
            }
        }
        assertThat(heap.stream()).containsExactlyInAnyOrderElementsOf(in);
    }

    @Test
    void removingWhatIsNotInChangesNothing() {
        DueHeap<Item> heap = new DueHeap<>();
        Item held = new Item();
        heap.schedule(held, 5);
        Item removed = new Item();
        heap.schedule(removed, 1);
        heap.remove(removed);

        heap.remove(removed);
        heap.remove(new Item());

        assertThat(heap.size()).isOne();
        assertThat(heap.peek()).isSameAs(held);
    }
}
