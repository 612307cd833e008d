package dev.faas.triggers.queue;

import java.io.Serial;

/** A message whose body and attributes are larger than its queue takes. */
public final class MessageTooLargeException extends IllegalArgumentException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final long size;
    private final int limit;

    MessageTooLargeException(String queue, long size, int limit) {
        super("queue '" + queue + "' takes messages of at most " + limit + " bytes (body and attributes, in UTF-8),"
                + " but this one has " + size + ": send a reference to the data instead, or raise maxMessageBytes");
        this.size = size;
        this.limit = limit;
    }

    /** The message's size in bytes. */
    public long size() {
        return size;
    }

    /** The queue's limit in bytes. */
    public int limit() {
        return limit;
    }
}
