package dev.faas.triggers.queue;

import java.io.Serial;

/** A send the queue refused: it holds as many messages as it may. Nothing of the send was kept. */
public final class QueueFullException extends IllegalStateException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String queue;
    private final int capacity;

    QueueFullException(String queue, int capacity) {
        super("queue '" + queue + "' holds its capacity of " + capacity
                + " messages: receive and delete some, or build it with a larger capacity(...)");
        this.queue = queue;
        this.capacity = capacity;
    }

    public String queue() {
        return queue;
    }

    /** How many messages the queue holds at most. */
    public int capacity() {
        return capacity;
    }
}
