package dev.faas.core;

import dev.faas.api.InvalidConfigException;
import dev.faas.api.ledger.Durability;
import dev.faas.api.ledger.InvocationRecord;
import dev.faas.api.ledger.Pricing;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only journal of ledger records: a directory of segment files, each an 8-byte magic
 * followed by checksummed frames ({@link RecordCodec}), and nothing else.
 *
 * <p>One writer thread does all the file work. Invocation threads only queue their entry (a
 * lock-free queue) and, under {@link Durability#sync()}, park until the batch holding it has been
 * forced to disk: every entry queued while the previous force ran goes into the next one (group
 * commit), so a thousand concurrent callers share a handful of forces. {@link Durability#every}
 * forces on a real-time interval and {@link Durability#os()} never forces until close.
 *
 * <p>A write that fails never fails a call: the journal turns degraded (one WARN, counted per failed
 * batch), releases the waiting callers, and tries again with the next batch in a fresh segment. On
 * start the segments are read back in order; a torn or corrupt tail is cut at the last good frame.
 */
final class LedgerJournal {

    static final long DEFAULT_SEGMENT_BYTES = 64L * 1024 * 1024;

    private static final Logger log = LoggerFactory.getLogger(FaasRuntime.class);
    private static final byte[] MAGIC = "FAASLDG1".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern SEGMENT = Pattern.compile("ledger-(\\d{10})\\.seg");
    private static final int MAX_BATCH = 8192;

    /** Opens a new segment file: the real one, or a failing one in tests. */
    @FunctionalInterface
    interface SegmentOpener {
        FileChannel open(Path file) throws IOException;
    }

    private final Path directory;
    private final Durability durability;
    private final Pricing pricing;
    private final long segmentBytes;
    private final SegmentOpener opener;
    private final Runnable onFailure;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final Thread writer;
    private volatile boolean parked;
    private volatile boolean closed;
    private volatile boolean finished;

    // Writer thread only:
    private FileChannel segment;
    private long segmentIndex;
    private ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private boolean degraded;
    private boolean unforced;
    private long lastForce = System.nanoTime();

    LedgerJournal(Path directory, Durability durability, Pricing pricing, Runnable onFailure) {
        this(directory, durability, pricing, onFailure, DEFAULT_SEGMENT_BYTES,
                file -> FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    LedgerJournal(Path directory, Durability durability, Pricing pricing, Runnable onFailure, long segmentBytes,
                  SegmentOpener opener) {
        this.directory = directory;
        this.durability = durability;
        this.pricing = pricing;
        this.onFailure = onFailure;
        this.segmentBytes = segmentBytes;
        this.opener = opener;
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new InvalidConfigException("ledgerJournal", "ledgerJournal must be a directory faas can create and"
                    + " write, but " + directory + " is not: " + e);
        }
        this.writer = Thread.ofPlatform().name("faas-ledger-journal").daemon().unstarted(this::writeLoop);
    }

    // ---- recovery ----

    /** Reads every segment back, in order, cutting torn or corrupt tails; then starts writing. */
    void recover(Consumer<LedgerEntry> restore) {
        List<Path> segments;
        try (Stream<Path> files = Files.list(directory)) {
            segments = files.filter(file -> SEGMENT.matcher(file.getFileName().toString()).matches()).sorted().toList();
        } catch (IOException e) {
            throw new InvalidConfigException("ledgerJournal", "ledgerJournal directory " + directory
                    + " cannot be read: " + e);
        }
        long records = 0;
        for (Path file : segments) {
            records += recoverSegment(file, restore);
            Matcher name = SEGMENT.matcher(file.getFileName().toString());
            if (name.matches()) {
                segmentIndex = Math.max(segmentIndex, Long.parseLong(name.group(1)));
            }
        }
        if (records > 0) {
            log.info("faas: recovered {} ledger records from {} ({} segments)", records, directory, segments.size());
        }
        writer.start();
    }

    private long recoverSegment(Path file, Consumer<LedgerEntry> restore) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            ByteBuffer content = ByteBuffer.allocate((int) Math.min(size, Integer.MAX_VALUE));
            while (content.hasRemaining() && channel.read(content) >= 0) {
                // read it all
            }
            content.flip();
            int good = checkMagic(content);
            long records = 0;
            while (good >= 0 && good < content.limit()) {
                int next = nextFrame(content, good);
                if (next < 0) {
                    break;
                }
                ByteBuffer payload = content.slice(good + RecordCodec.HEADER_BYTES, next - good - RecordCodec.HEADER_BYTES);
                InvocationRecord record;
                try {
                    record = RecordCodec.decode(payload);
                } catch (IllegalArgumentException corrupt) {
                    break;
                }
                restore.accept(LedgerEntry.of(record));
                records++;
                good = next;
            }
            int keep = Math.max(good, 0);
            if (keep < size) {
                channel.truncate(keep);
                log.warn("faas: ledger journal {} had a torn or corrupt tail of {} bytes at offset {}; cut it,"
                        + " keeping the {} records before it", file, size - keep, keep, records);
            }
            return records;
        } catch (IOException e) {
            throw new InvalidConfigException("ledgerJournal", "ledger journal segment " + file
                    + " cannot be recovered: " + e);
        }
    }

    /** The offset of the first frame, or 0 when the magic itself is torn (the whole file is cut). */
    private static int checkMagic(ByteBuffer content) {
        if (content.limit() < MAGIC.length) {
            return 0;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (content.get(i) != MAGIC[i]) {
                return 0;
            }
        }
        return MAGIC.length;
    }

    /** The end of the frame at {@code offset} if it is whole and its checksum matches, else -1. */
    private static int nextFrame(ByteBuffer content, int offset) {
        if (content.limit() - offset < RecordCodec.HEADER_BYTES) {
            return -1;
        }
        int length = content.getInt(offset);
        int checksum = content.getInt(offset + 4);
        if (length <= 0 || length > RecordCodec.MAX_PAYLOAD_BYTES
                || length > content.limit() - offset - RecordCodec.HEADER_BYTES) {
            return -1;
        }
        ByteBuffer payload = content.slice(offset + RecordCodec.HEADER_BYTES, length);
        return RecordCodec.checksum(payload) == checksum ? offset + RecordCodec.HEADER_BYTES + length : -1;
    }

    // ---- appending ----

    /** Queues the entry; under sync durability, waits until it is on disk (or the write failed). */
    void append(LedgerEntry entry) {
        boolean sync = durability.mode() == Durability.Mode.SYNC;
        Pending pending = new Pending(entry, sync ? Thread.currentThread() : null);
        queue.offer(pending);
        if (parked) {
            LockSupport.unpark(writer);
        }
        if (!sync) {
            return;
        }
        boolean interrupted = false;
        while (!pending.done && !finished) {
            LockSupport.park(this);
            interrupted |= Thread.interrupted();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes what is queued, forces it, and stops the writer. */
    void close() {
        closed = true;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>();
        try {
            while (true) {
                for (Pending next; batch.size() < MAX_BATCH && (next = queue.poll()) != null; ) {
                    batch.add(next);
                }
                if (!batch.isEmpty()) {
                    write(batch);
                    batch.clear();
                    continue;
                }
                if (closed) {
                    break;
                }
                forceIfDue();
                parked = true;
                if (queue.isEmpty() && !closed) {
                    LockSupport.parkNanos(this, parkNanos());
                }
                parked = false;
            }
            force();
        } finally {
            finished = true;
            releaseLeftovers();
            closeSegment();
        }
    }

    private void write(List<Pending> batch) {
        try {
            if (segment == null) {
                openSegment();
            }
            buffer.clear();
            for (Pending pending : batch) {
                buffer = RecordCodec.encode(pending.entry.toRecord(pricing), buffer);
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                segment.write(buffer);
            }
            unforced = true;
            if (durability.mode() == Durability.Mode.SYNC) {
                force();
            }
            if (segment.position() >= segmentBytes) {
                force();
                closeSegment();
            }
            if (degraded) {
                degraded = false;
                log.info("faas: the ledger journal in {} is writing again", directory);
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        } finally {
            for (Pending pending : batch) {
                pending.release();
            }
        }
    }

    private void fail(Exception e) {
        onFailure.run();
        if (!degraded) {
            degraded = true;
            log.warn("faas: the ledger journal in {} failed; records stay in the in-memory ledger, and the journal"
                    + " tries again with the next batch in a new segment", directory, e);
        }
        closeSegment();
    }

    private void openSegment() throws IOException {
        segmentIndex++;
        Path file = directory.resolve(String.format("ledger-%010d.seg", segmentIndex));
        segment = opener.open(file);
        segment.write(ByteBuffer.wrap(MAGIC));
        segment.force(true);
        forceDirectory();
    }

    /** Makes the new segment's directory entry durable too (Linux needs the directory forced). */
    private void forceDirectory() {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            log.debug("faas: this platform does not force directories ({})", e.toString());
        }
    }

    private void forceIfDue() {
        if (unforced && durability.mode() == Durability.Mode.INTERVAL
                && System.nanoTime() - lastForce >= durability.interval().toNanos()) {
            force();
        }
    }

    private void force() {
        if (!unforced || segment == null) {
            return;
        }
        try {
            segment.force(false);
            unforced = false;
            lastForce = System.nanoTime();
        } catch (IOException e) {
            fail(e);
        }
    }

    private long parkNanos() {
        if (unforced && durability.mode() == Durability.Mode.INTERVAL) {
            return Math.max(1, durability.interval().toNanos() - (System.nanoTime() - lastForce));
        }
        return Duration.ofSeconds(1).toNanos();
    }

    private void closeSegment() {
        if (segment != null) {
            try {
                segment.close();
            } catch (IOException e) {
                log.debug("faas: closing a ledger journal segment failed", e);
            }
            segment = null;
        }
    }

    private void releaseLeftovers() {
        int lost = 0;
        for (Pending pending; (pending = queue.poll()) != null; ) {
            pending.release();
            lost++;
        }
        if (lost > 0) {
            log.warn("faas: {} ledger records arrived after the journal in {} closed; they are only in memory",
                    lost, directory);
        }
    }

    /** An entry waiting to be written, and the caller waiting for it under sync durability. */
    private static final class Pending {
        final LedgerEntry entry;
        final Thread waiter;
        volatile boolean done;

        Pending(LedgerEntry entry, Thread waiter) {
            this.entry = entry;
            this.waiter = waiter;
        }

        void release() {
            done = true;
            if (waiter != null) {
                LockSupport.unpark(waiter);
            }
        }
    }
}
