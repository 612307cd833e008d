package dev.faas.triggers.queue;

import java.util.Arrays;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A min-heap of elements by the {@code nanoTime} each comes due at, in which every element knows its
 * place: removing or moving one is O(log n). So a message deleted before its visibility timeout
 * leaves at once, rather than staying (with its body) until it would have come due. Not
 * thread-safe: the queue's lock guards it.
 */
final class DueHeap<E extends DueHeap.Due> {

    /** What the heap holds: its due time and its place, which only the heap writes. */
    abstract static class Due {
        long dueAt;
        int index = -1;

        final long dueAt() {
            return dueAt;
        }
    }

    private Due[] heap = new Due[16];
    private int size;

    /** Puts {@code element} in the heap due at {@code dueAt}, or moves it there if it is in already. */
    void schedule(E element, long dueAt) {
        element.dueAt = dueAt;
        if (element.index < 0) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            element.index = size;
            heap[size++] = element;
        }
        siftDown(siftUp(element.index));
    }

    /** Takes {@code element} out; nothing if it is not in. */
    void remove(E element) {
        int at = element.index;
        if (at < 0) {
            return;
        }
        element.index = -1;
        Due last = heap[--size];
        heap[size] = null;
        if (at < size) {
            place(last, at);
            siftDown(siftUp(at));
        }
    }

    /** The element due first, or null when empty. */
    @SuppressWarnings("unchecked") // only E is ever put in
    @Nullable
    E peek() {
        return size == 0 ? null : (E) heap[0];
    }

    /** What the heap holds, in no particular order. */
    @SuppressWarnings("unchecked") // only E is ever put in
    Stream<E> stream() {
        return Arrays.stream(heap, 0, size).map(element -> (E) element);
    }

    int size() {
        return size;
    }

    private int siftUp(int at) {
        Due moving = heap[at];
        while (at > 0) {
            int parent = (at - 1) >>> 1;
            if (!before(moving, heap[parent])) {
                break;
            }
            place(heap[parent], at);
            at = parent;
        }
        place(moving, at);
        return at;
    }

    private void siftDown(int at) {
        Due moving = heap[at];
        int half = size >>> 1;
        while (at < half) {
            int child = 2 * at + 1;
            if (child + 1 < size && before(heap[child + 1], heap[child])) {
                child++;
            }
            if (!before(heap[child], moving)) {
                break;
            }
            place(heap[child], at);
            at = child;
        }
        place(moving, at);
    }

    private void place(Due element, int at) {
        heap[at] = element;
        element.index = at;
    }

    /** nanoTime order, which survives the counter's wrap. */
    private static boolean before(Due a, Due b) {
        return a.dueAt - b.dueAt < 0;
    }
}
