package dev.faas.core.internal.ledger;

import dev.faas.api.InvalidConfigException;
import dev.faas.api.ledger.Durability;
import dev.faas.api.ledger.Pricing;
import dev.faas.core.internal.util.Logs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only journal of ledger records: a directory of segment files, each an 8-byte magic
 * followed by checksummed frames ({@link RecordCodec}), held by one runtime at a time (a lock file).
 *
 * <p>One writer thread, a platform thread of its own, does all the file work. Invocation threads
 * only queue their entry (a lock-free queue). Under {@link Durability#sync()} a caller then parks
 * until the batch holding its entry has been forced to disk: every entry queued while the previous
 * force ran goes into the next one (group commit). {@link Durability#every} forces on a real-time
 * interval and {@link Durability#os()} leaves it to the OS; under both a caller waits only when
 * more than {@link #MAX_BACKLOG} records are queued, and then until its own is written, so that
 * what a crash of the process can lose stays bounded.
 *
 * <p>A write that fails never fails a call, and loses nothing: the batch is rolled back to the
 * last whole frame, kept, in order, and written again (the same segment, or a new one) with a
 * backoff of up to a second, while the journal is degraded (one WARN per episode, every failed
 * attempt counted). Callers under sync durability wait through such an episode: their record is
 * on disk when they return.
 *
 * <p>Recovery reads every segment, streaming, in index order, and never writes to a file it
 * cannot read: damage is skipped up to the next frame that checks out and reported; a file named
 * like a segment that is not one, a link, or a name that cannot be numbered stops the start with a
 * typed error. Only a torn tail of the newest segment (an incomplete last frame, what a crash in
 * the middle of a write leaves) is moved aside, into a {@code .torn} file, and cut. A record read
 * twice (a copied segment) counts once.
 */
public final class LedgerJournal extends BatchWriter<LedgerJournal.Pending> {

    public static final long DEFAULT_SEGMENT_BYTES = 64L * 1024 * 1024;
    /**
     * Records queued beyond which a caller waits until its own is written, whatever the durability
     * (checked as each caller queues: the bound is this plus the callers queueing at that moment).
     */
    public static final int MAX_BACKLOG = 10_000;

    public static final byte[] MAGIC = "FAASLDG1".getBytes(StandardCharsets.US_ASCII);
    /** How long a closing journal keeps trying to write what it holds, once writes fail. */
    static final Duration CLOSE_RETRY = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(Logs.RUNTIME);
    private static final Pattern SEGMENT = Pattern.compile("ledger-(\\d+)\\.seg");
    private static final int MAX_BATCH = 8192;
    /** The highest segment number read: far past any use, and the next one still a number. */
    private static final long MAX_SEGMENT_INDEX = 1_000_000_000_000_000_000L;

    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Opens a new segment file: the real one, or a failing one in tests. */
    @FunctionalInterface
    public interface SegmentOpener {
        FileChannel open(Path file) throws IOException;
    }

    private final Path directory;
    private final Durability durability;
    private final Pricing pricing;
    private final long segmentBytes;
    private final SegmentOpener opener;
    private final Runnable onFailure;
    private final AtomicLong appended = new AtomicLong();
    private final AtomicInteger late = new AtomicInteger();
    private JournalLock lock;
    private volatile long written;
    private volatile boolean finished;

    // Writer thread only:
    private FileChannel segment;
    private long segmentIndex;
    private ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private Throwable failing;
    private long failedSince;
    private long backoffNanos = MIN_BACKOFF_NANOS;
    private boolean unforced;
    private long lastForce = System.nanoTime();
    /** When a closing journal whose writes fail gives up, on System.nanoTime; 0 until then. */
    private long closeDeadline;

    public LedgerJournal(Path directory, Durability durability, Pricing pricing, Runnable onFailure) {
        this(
                directory,
                durability,
                pricing,
                onFailure,
                DEFAULT_SEGMENT_BYTES,
                file -> FileChannel.open(
                        file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS));
    }

    public LedgerJournal(
            Path directory,
            Durability durability,
            Pricing pricing,
            Runnable onFailure,
            long segmentBytes,
            SegmentOpener opener) {
        super("faas-ledger-journal", MAX_BATCH);
        this.directory = directory;
        this.durability = durability;
        this.pricing = pricing;
        this.onFailure = onFailure;
        this.segmentBytes = segmentBytes;
        this.opener = opener;
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new InvalidConfigException(
                    "ledgerJournal",
                    "ledgerJournal must be a directory faas can create and" + " write, but " + directory + " is not: "
                            + e);
        }
    }

    // ---- recovery ----

    /**
     * Takes the directory's lock, reads every segment back in order (each record once), then starts
     * writing.
     *
     * @throws InvalidConfigException if another runtime holds the directory, or it holds a file the
     *     journal will not touch (a link, or a file named like a segment that is not one)
     */
    public void recover(Consumer<LedgerEntry> restore) {
        lock = JournalLock.acquire(directory);
        try {
            List<Segment> segments = segments();
            RecoveredIds ids = new RecoveredIds();
            long[] counts = new long[2]; // records, duplicates
            List<String> problems = new ArrayList<>();
            for (int i = 0; i < segments.size(); i++) {
                recoverSegment(segments.get(i), i == segments.size() - 1, ids, restore, counts, problems);
            }
            segmentIndex = segments.isEmpty() ? 0 : segments.getLast().index();
            if (!problems.isEmpty()) {
                log.warn(
                        "faas: the ledger journal in {} is damaged; what could not be read is left as it is, and every"
                                + " record that checks out was recovered ({} records): {}",
                        directory,
                        counts[0],
                        String.join("; ", problems));
            }
            if (counts[1] > 0) {
                log.warn(
                        "faas: the ledger journal in {} holds {} records twice (a segment copied under another"
                                + " name?); each was counted once",
                        directory,
                        counts[1]);
            }
            if (counts[0] > 0) {
                log.info(
                        "faas: recovered {} ledger records from {} ({} segments)",
                        counts[0],
                        directory,
                        segments.size());
            }
        } catch (RuntimeException | Error e) {
            lock.close();
            throw e;
        }
        start();
    }

    /** A segment file and its index. */
    private record Segment(long index, Path file) {}

    /** The segment files, by index; refuses links, non-files and names that cannot be numbered. */
    private List<Segment> segments() {
        List<Segment> segments = new ArrayList<>();
        Map<Long, Path> byIndex = new HashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                Matcher name = SEGMENT.matcher(file.getFileName().toString());
                if (!name.matches()) {
                    continue; // the lock file, torn tails kept aside, and anything else: not ours to read
                }
                if (Files.isSymbolicLink(file) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    throw refuse(
                            file,
                            "is named like a ledger journal segment but is "
                                    + (Files.isSymbolicLink(file) ? "a symbolic link" : "not a regular file")
                                    + ": the journal never follows links; move it out of " + directory);
                }
                long index;
                try {
                    index = Long.parseLong(name.group(1));
                    if (index > MAX_SEGMENT_INDEX) { // the next segment's number must fit as well
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException tooLong) {
                    throw refuse(
                            file,
                            "is named like a ledger journal segment, but its index is past what the"
                                    + " journal can number: move it out of " + directory);
                }
                Path twin = byIndex.put(index, file);
                if (twin != null) {
                    throw refuse(
                            file,
                            "has the same segment index as " + twin.getFileName() + ": move one of them" + " out of "
                                    + directory);
                }
                segments.add(new Segment(index, file));
            }
        } catch (IOException e) {
            throw new InvalidConfigException(
                    "ledgerJournal", "ledgerJournal directory " + directory + " cannot be read: " + e);
        }
        segments.sort(Comparator.comparingLong(Segment::index));
        return segments;
    }

    private void recoverSegment(
            Segment segment,
            boolean newest,
            RecoveredIds ids,
            Consumer<LedgerEntry> restore,
            long[] counts,
            List<String> problems) {
        Path file = segment.file();
        SegmentScanner.Result result;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            result = SegmentScanner.scan(channel, (record, offset) -> {
                LedgerEntry entry = LedgerEntry.of(record);
                if (ids.add(entry)) {
                    restore.accept(entry);
                    counts[0]++;
                } else {
                    counts[1]++;
                }
            });
        } catch (IOException e) {
            throw refuse(file, "cannot be read: " + e);
        }
        String name = file.getFileName().toString();
        switch (result.header()) {
            case FOREIGN ->
                throw refuse(
                        file,
                        "is named like a ledger journal segment but is not one (it does not"
                                + " begin with the journal's header, and no record in it checks out): the journal never writes to"
                                + " or deletes a file it cannot read; move it out of " + directory);
            case DAMAGED ->
                problems.add(name + ": its header is damaged; records read from offset " + result.firstFrame());
            case TORN, INTACT -> {}
        }
        for (SegmentScanner.Damage damage : result.damage()) {
            problems.add(name + ": " + damage.length() + " bytes at offset " + damage.offset()
                    + " hold no record that checks out (skipped, left in place)");
        }
        if (result.hasTornTail()) {
            long torn = result.tornTailOffset();
            long bytes = result.size() - torn;
            if (newest && moveAside(file, torn)) {
                log.warn(
                        "faas: ledger journal segment {} ended in an incomplete record of {} bytes at offset {} (a write"
                                + " cut short by a crash); those bytes were moved to {}.torn and cut",
                        file,
                        bytes,
                        torn,
                        name);
            } else {
                problems.add(name + ": ends in an incomplete record of " + bytes + " bytes at offset " + torn
                        + " (left in place)");
            }
        }
    }

    /** Copies a torn tail into a file of its own, forced, then cuts it from the segment. */
    private static boolean moveAside(Path file, long from) {
        Path aside = file.resolveSibling(file.getFileName() + ".torn");
        try (FileChannel source =
                FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            for (int n = 2; Files.exists(aside, LinkOption.NOFOLLOW_LINKS); n++) {
                aside = file.resolveSibling(file.getFileName() + ".torn." + n);
            }
            try (FileChannel target = FileChannel.open(
                    aside, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                long size = source.size();
                for (long at = from; at < size; ) {
                    at += source.transferTo(at, size - at, target);
                }
                target.force(true);
            }
            forceDirectory(file.getParent()); // the copy's name is durable before the segment is cut
            source.truncate(from);
            source.force(true);
            return true;
        } catch (IOException e) {
            log.warn(
                    "faas: the torn tail of ledger journal segment {} could not be moved aside ({}); it is left in place",
                    file,
                    e.toString());
            return false;
        }
    }

    private InvalidConfigException refuse(Path file, String what) {
        return new InvalidConfigException(
                "ledgerJournal",
                "the ledger journal in " + directory + " holds " + file.getFileName() + ", which " + what);
    }

    // ---- appending ----

    /**
     * Queues the entry. Under sync durability, waits until it is on disk; under the others, waits
     * until it is written only when more than {@link #MAX_BACKLOG} records are queued.
     */
    public void append(LedgerEntry entry) {
        if (finished) {
            arrivedLate(entry);
            return;
        }
        boolean sync = durability.mode() == Durability.Mode.SYNC;
        boolean wait = sync || appended.get() - written >= MAX_BACKLOG;
        Pending pending = new Pending(entry, wait ? Thread.currentThread() : null);
        appended.incrementAndGet();
        enqueue(pending);
        if (finished) { // the writer ended after the check above: it may not have seen this one
            drainLate();
            return;
        }
        if (!wait) {
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

    private void drainLate() {
        for (Pending pending; (pending = poll()) != null; ) {
            arrivedLate(pending.entry);
            pending.release();
        }
    }

    private void arrivedLate(LedgerEntry entry) {
        log.warn(
                "faas: a ledger record of '{}' (request {}) arrived after the journal in {} closed; it is only in"
                        + " the in-memory ledger ({} so far)",
                entry.function(),
                entry.requestId(),
                directory,
                late.incrementAndGet());
    }

    /** How many records are queued or being written, not yet written. */
    public long backlog() {
        return appended.get() - written;
    }

    /** Writes what is queued, forces it, stops the writer and releases the directory. */
    public void close() {
        stop(CLOSE_RETRY.plusSeconds(20));
    }

    /** Under steady load too: every(d) forces every d. */
    @Override
    void written() {
        forceIfDue();
    }

    @Override
    long idle() {
        forceIfDue();
        return parkNanos();
    }

    /** Backs off, up to a second; a closing journal gives up once it has tried for {@link #CLOSE_RETRY}. */
    @Override
    long pauseAfterFailure(boolean stopping) {
        if (stopping) {
            closeDeadline = closeDeadline == 0 ? System.nanoTime() + CLOSE_RETRY.toNanos() : closeDeadline;
            if (System.nanoTime() - closeDeadline > 0) {
                return -1;
            }
        }
        long pause = backoffNanos;
        backoffNanos = Math.min(backoffNanos * 2, MAX_BACKOFF_NANOS);
        return pause;
    }

    @Override
    long survived(Throwable unexpected) {
        failed(unexpected);
        return MAX_BACKOFF_NANOS;
    }

    @Override
    void finished() {
        try {
            force();
        } finally {
            finished = true;
            giveUp();
            closeSegment();
            lock.close();
        }
    }

    /**
     * Writes the batch (and, under sync, forces it); on success releases it. On failure rolls the
     * segment back to the last whole frame and keeps the batch for the next attempt.
     */
    @SuppressWarnings("NonAtomicVolatileUpdate") // written is updated by the writer thread only
    @Override
    boolean write(List<Pending> batch) {
        long good = -1;
        long end;
        try {
            if (segment == null) {
                openSegment();
            }
            good = segment.position();
            buffer.clear();
            for (Pending pending : batch) {
                buffer = RecordCodec.encode(pending.entry.toRecord(pricing), buffer);
            }
            buffer.flip();
            end = good + buffer.remaining();
            while (buffer.hasRemaining()) {
                segment.write(buffer);
            }
            unforced = true;
            if (durability.mode() == Durability.Mode.SYNC) {
                segment.force(false);
                unforced = false;
                lastForce = System.nanoTime();
            }
        } catch (Throwable e) { // an Error in the middle of a write must be rolled back too
            rollBack(good);
            failed(e);
            return false;
        }
        written += batch.size();
        for (Pending pending : batch) {
            pending.release();
        }
        backoffNanos = MIN_BACKOFF_NANOS;
        if (failing != null) {
            log.info(
                    "faas: the ledger journal in {} is writing again, after {} ms; no record was lost",
                    directory,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedSince));
            failing = null;
        }
        if (end >= segmentBytes) {
            force();
            closeSegment();
        }
        return true;
    }

    /** Cuts what a failed write left after the last whole frame; a segment that cannot be cut is left behind. */
    private void rollBack(long good) {
        if (segment == null || good < 0) {
            return;
        }
        try {
            segment.truncate(good);
            segment.position(good);
        } catch (IOException | RuntimeException e) {
            closeSegment(); // its tail is torn; the batch goes into the next segment, and recovery skips the tail
        }
    }

    private void failed(Throwable e) {
        try {
            onFailure.run();
        } catch (RuntimeException ignored) {
            // a meter that fails must not stop the journal
        }
        if (failing == null) {
            failing = e;
            failedSince = System.nanoTime();
            log.warn(
                    "faas: the ledger journal in {} cannot write ({}); its records wait in memory, in order, and are"
                            + " written as soon as it can, trying again at least every second{}",
                    directory,
                    e.toString(),
                    durability.mode() == Durability.Mode.SYNC ? "; calls wait until their record is on disk" : "");
        }
    }

    private void openSegment() throws IOException {
        long index = segmentIndex + 1;
        Path file = directory.resolve(String.format("ledger-%010d.seg", index));
        FileChannel channel;
        try {
            channel = opener.open(file);
        } catch (FileAlreadyExistsException taken) {
            segmentIndex = index; // a file appeared under the next name: the attempt after this one skips it
            throw taken;
        }
        try {
            channel.write(ByteBuffer.wrap(MAGIC));
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
                Files.deleteIfExists(file); // made just now by this journal, holding at most its header
            } catch (IOException ignored) {
                // left behind: recovery knows a segment torn as it was made
            }
            throw e;
        }
        segmentIndex = index;
        segment = channel;
        forceDirectory();
    }

    /** Makes the new segment's directory entry durable too (Linux needs the directory forced). */
    private void forceDirectory() {
        forceDirectory(directory);
    }

    private static void forceDirectory(Path directory) {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            log.debug("faas: this platform does not force directories ({})", e.toString());
        }
    }

    private void forceIfDue() {
        if (unforced
                && durability.mode() == Durability.Mode.INTERVAL
                && System.nanoTime() - lastForce >= durability.interval().toNanos()) {
            force();
        }
    }

    /**
     * Forces what was written without sync. A force that fails leaves the records in the OS's hands,
     * within what the policy gives up; the segment is closed, and writing goes on in a new one.
     */
    private void force() {
        if (!unforced || segment == null) {
            return;
        }
        try {
            segment.force(false);
            unforced = false;
            lastForce = System.nanoTime();
        } catch (IOException e) {
            try {
                onFailure.run();
                log.warn(
                        "faas: the ledger journal in {} could not force its segment ({}): what was written since the"
                                + " last force is in the OS's hands, as {} allows, and may not survive a crash of the machine;"
                                + " writing goes on in a new segment",
                        directory,
                        e.toString(),
                        durability);
            } catch (Throwable ignored) {
                // the journal goes on
            }
            closeSegment();
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
            unforced = false;
        }
    }

    /** At the end: what could not be written by then is in memory only, and said so. */
    private void giveUp() {
        List<Pending> batch = keptBatch();
        int lost = batch.size();
        for (Pending pending : batch) {
            pending.release();
        }
        batch.clear();
        for (Pending pending; (pending = poll()) != null; ) {
            pending.release();
            lost++;
        }
        if (lost > 0) {
            log.error(
                    "faas: {} ledger records could not be written to the journal in {} before it closed ({}); they"
                            + " are in the in-memory ledger only",
                    lost,
                    directory,
                    failing == null ? "closed" : failing.toString());
        }
    }

    /** An entry waiting to be written, and the caller waiting for it when it waits. */
    static final class Pending {
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
