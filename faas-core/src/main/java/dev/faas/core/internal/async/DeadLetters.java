package dev.faas.core.internal.async;

import dev.faas.api.DestinationEvent;
import dev.faas.core.internal.util.Logs;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead-letter store: EVENT invocations that finally failed with nowhere else to go, in the order
 * they arrived. It keeps the newest {@link #CAPACITY}; past that the oldest give way, counted, with
 * one ERROR line per episode, so that a function failing forever cannot exhaust the heap.
 */
public final class DeadLetters {

    static final int CAPACITY = 1_000_000;
    private static final Logger log = LoggerFactory.getLogger(Logs.RUNTIME);

    private final ConcurrentLinkedQueue<DestinationEvent> letters = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicInteger evicted = new AtomicInteger();

    public void add(DestinationEvent letter) {
        letters.offer(letter);
        if (size.incrementAndGet() > CAPACITY && letters.poll() != null) {
            size.decrementAndGet();
            if (evicted.getAndIncrement() == 0) {
                log.error(
                        "faas: the dead-letter store holds {} events; the oldest now give way to new ones."
                                + " Read runtime.deadLetters() and give failing functions an onFailure destination",
                        CAPACITY);
            }
        }
    }

    public List<DestinationEvent> snapshot() {
        return List.copyOf(letters);
    }
}
