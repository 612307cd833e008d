package dev.faas.core.internal.ledger;

import dev.faas.api.ledger.InvocationRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the frames of one journal segment, streaming: through a window of a few hundred kilobytes,
 * whatever the file's size. Damage does not end the reading: past a frame that does not check out
 * (its length out of range, its checksum wrong, its payload undecodable) the scanner looks, byte by
 * byte, for the next frame that does, and goes on from there; the bytes it skipped are reported as
 * a {@link Damage}. Only an incomplete frame at the very end is reported as a torn tail (what a
 * crash in the middle of a write leaves). The scanner only reads.
 */
public final class SegmentScanner {

    static final byte[] MAGIC = LedgerJournal.MAGIC;
    /** How far into a file whose header is wrong a frame is looked for, before it is called foreign. */
    public static final int HEADER_SEARCH_BYTES = 64 * 1024;

    private static final int WINDOW_BYTES = 4 * (RecordCodec.HEADER_BYTES + RecordCodec.MAX_PAYLOAD_BYTES);

    /** A range of bytes that held no frame that checks out. */
    record Damage(long offset, long length) {}

    /** What reading a segment found, besides its records. */
    record Result(Header header, long firstFrame, List<Damage> damage, long tornTailOffset, long size) {

        /** Whether the file ends in an incomplete frame, from {@code tornTailOffset} on. */
        boolean hasTornTail() {
            return tornTailOffset >= 0;
        }
    }

    /** What the first bytes are. */
    enum Header {
        /** The journal's magic. */
        INTACT,
        /** Fewer bytes than the magic, all of them a prefix of it: a segment torn as it was created. */
        TORN,
        /** Not the magic, but frames that check out follow: a segment whose header was damaged. */
        DAMAGED,
        /** Not the magic, and no frame checks out near the start: not a journal segment at all. */
        FOREIGN
    }

    /** Receives each record read, with the offset of its frame. */
    @FunctionalInterface
    interface RecordSink {
        void accept(InvocationRecord record, long offset);
    }

    private final FileChannel channel;
    private final long size;
    private final ByteBuffer window = ByteBuffer.allocate(WINDOW_BYTES);
    private long windowStart;
    private int windowLength;

    private SegmentScanner(FileChannel channel) throws IOException {
        this.channel = channel;
        this.size = channel.size();
    }

    /**
     * Reads the segment open on {@code channel}, handing every record that checks out to
     * {@code sink} in file order. A foreign file gives no record.
     */
    static Result scan(FileChannel channel, RecordSink sink) throws IOException {
        return new SegmentScanner(channel).scan(sink);
    }

    private Result scan(RecordSink sink) throws IOException {
        Header header = header();
        long first = MAGIC.length;
        List<Damage> damage = new ArrayList<>();
        if (header == Header.TORN) {
            return new Result(header, size, damage, -1, size);
        }
        if (header != Header.INTACT) {
            // A zeroed start (a range wiped by the disk or by hand) is not foreign data: look through
            // all of it. Anything else is searched only near the start, so that a large foreign file
            // is refused at once.
            long limit = zeroedHeader() ? size : Math.min(size, MAGIC.length + HEADER_SEARCH_BYTES);
            long found = nextFrame(MAGIC.length, limit);
            if (found < 0) {
                return new Result(Header.FOREIGN, -1, damage, -1, size);
            }
            header = Header.DAMAGED;
            first = found;
        }
        long position = first;
        long torn = -1;
        while (position < size) {
            long end = frameEnd(position);
            if (end >= 0) {
                InvocationRecord record = decode(position, end);
                if (record != null) {
                    sink.accept(record, position);
                    position = end;
                    continue;
                }
            }
            long next = nextFrame(position + 1, size);
            if (next >= 0) {
                damage.add(new Damage(position, next - position));
                position = next;
            } else {
                if (incomplete(position)) {
                    torn = position;
                } else {
                    damage.add(new Damage(position, size - position));
                }
                break;
            }
        }
        return new Result(header, first, damage, torn, size);
    }

    private Header header() throws IOException {
        int length = (int) Math.min(size, MAGIC.length);
        ensure(0, length);
        for (int i = 0; i < length; i++) {
            if (window.get(i) != MAGIC[i]) {
                return Header.FOREIGN; // or DAMAGED: decided by what follows
            }
        }
        return length < MAGIC.length ? Header.TORN : Header.INTACT;
    }

    private boolean zeroedHeader() throws IOException {
        ensure(0, MAGIC.length);
        return window.getLong(0) == 0;
    }

    /** The first offset in {@code [from, limit)} where a frame checks out and decodes, or -1. */
    private long nextFrame(long from, long limit) throws IOException {
        for (long at = from; at < limit; at++) {
            if (size - at < RecordCodec.HEADER_BYTES) {
                return -1;
            }
            if (at < windowStart || at + RecordCodec.HEADER_BYTES > windowStart + windowLength) {
                ensure(at, RecordCodec.HEADER_BYTES);
            }
            // Most offsets fail on the length alone: only a plausible one is worth a checksum.
            int index = (int) (at - windowStart);
            int length = window.getInt(index);
            if (length == 0) {
                // A zeroed range: a plausible length needs a non-zero byte among its last two, so
                // no frame starts more than three bytes before the next non-zero byte.
                int zeros = index;
                while (zeros + Long.BYTES <= windowLength && window.getLong(zeros) == 0) {
                    zeros += Long.BYTES;
                }
                at = Math.max(at, windowStart + zeros - 4); // the loop moves it on by one
                continue;
            }
            if (length < 0 || length > RecordCodec.MAX_PAYLOAD_BYTES) {
                continue;
            }
            long end = frameEnd(at);
            if (end >= 0 && decode(at, end) != null) {
                return at;
            }
        }
        return -1;
    }

    /** The end of the frame at {@code offset} if it is whole and its checksum matches, else -1. */
    private long frameEnd(long offset) throws IOException {
        if (size - offset < RecordCodec.HEADER_BYTES) {
            return -1;
        }
        ensure(offset, RecordCodec.HEADER_BYTES);
        int at = (int) (offset - windowStart);
        int length = window.getInt(at);
        if (length <= 0
                || length > RecordCodec.MAX_PAYLOAD_BYTES
                || length > size - offset - RecordCodec.HEADER_BYTES) {
            return -1;
        }
        int checksum = window.getInt(at + 4);
        ensure(offset, RecordCodec.HEADER_BYTES + length);
        at = (int) (offset - windowStart);
        ByteBuffer payload = window.slice(at + RecordCodec.HEADER_BYTES, length);
        return RecordCodec.checksum(payload) == checksum ? offset + RecordCodec.HEADER_BYTES + length : -1;
    }

    /** The record of a frame that checked out, or null when its payload does not decode. */
    private InvocationRecord decode(long offset, long end) throws IOException {
        int length = (int) (end - offset - RecordCodec.HEADER_BYTES);
        ensure(offset, RecordCodec.HEADER_BYTES + length);
        int at = (int) (offset - windowStart);
        try {
            return RecordCodec.decode(window.slice(at + RecordCodec.HEADER_BYTES, length));
        } catch (IllegalArgumentException undecodable) {
            return null;
        }
    }

    /**
     * Whether the bytes from {@code offset} to the end are the start of a frame cut short: fewer
     * than a header, or a header whose length is plausible but runs past the end.
     */
    private boolean incomplete(long offset) throws IOException {
        long left = size - offset;
        if (left < RecordCodec.HEADER_BYTES) {
            return true;
        }
        ensure(offset, RecordCodec.HEADER_BYTES);
        int length = window.getInt((int) (offset - windowStart));
        return length > 0 && length <= RecordCodec.MAX_PAYLOAD_BYTES && length > left - RecordCodec.HEADER_BYTES;
    }

    /** Makes {@code [offset, offset + length)} readable in the window. */
    private void ensure(long offset, int length) throws IOException {
        if (offset >= windowStart && offset + length <= windowStart + windowLength) {
            return;
        }
        window.clear();
        windowStart = offset;
        long want = Math.min(window.capacity(), size - offset);
        window.limit((int) want);
        while (window.hasRemaining()) {
            int read = channel.read(window, offset + window.position());
            if (read < 0) {
                break;
            }
        }
        windowLength = window.position();
        window.clear();
        if (windowLength < length) {
            throw new IOException("the segment changed while it was read: " + windowLength + " of " + length
                    + " bytes at offset " + offset);
        }
    }
}
