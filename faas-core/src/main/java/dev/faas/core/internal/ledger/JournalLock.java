package dev.faas.core.internal.ledger;

import dev.faas.api.InvalidConfigException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The exclusive hold of one runtime on a journal directory: an OS lock on its {@code journal.lock}
 * file, which names the holder (process id and since when) for whoever finds it taken. Two
 * runtimes on one directory would cut each other's segments and collide on their names; the
 * second to open gets a typed error instead. The lock ends with the process, however it ends. It is
 * a POSIX lock: any close of a channel on {@code journal.lock} in the holding process releases it,
 * so this library never opens the file a second time (a second opener here is refused from a set of
 * the directories held), and a host must not open it either.
 */
final class JournalLock implements AutoCloseable {

    static final String FILE_NAME = "journal.lock";

    /** The directories a runtime of this process holds, by real path. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final FileChannel channel;
    private final FileLock lock;
    private final Path key;

    private JournalLock(FileChannel channel, FileLock lock, Path key) {
        this.channel = channel;
        this.lock = lock;
        this.key = key;
    }

    /**
     * Takes the directory's lock.
     *
     * @throws InvalidConfigException naming the directory and the holder, if another runtime (in this
     *     process or another) holds it, or if the lock file cannot be made
     */
    static JournalLock acquire(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        Path key = canonical(directory);
        // Refused from this set before a second channel is opened: closing any channel of a locked
        // file releases every lock this process holds on it (POSIX), the first runtime's included.
        if (!HELD.add(key)) {
            throw new InvalidConfigException(
                    "ledgerJournal",
                    "the ledger journal in " + directory
                            + " is in use by another runtime in this process (pid "
                            + ProcessHandle.current().pid()
                            + "): close that runtime first, or give this one a directory of its own");
        }
        try {
            return lock(directory, file, key);
        } catch (RuntimeException | Error e) {
            HELD.remove(key);
            throw e;
        }
    }

    private static Path canonical(Path directory) {
        try {
            return directory.toRealPath();
        } catch (IOException e) {
            return directory.toAbsolutePath().normalize();
        }
    }

    private static JournalLock lock(Path directory, Path file, Path key) {
        FileChannel channel;
        try {
            channel = FileChannel.open(
                    file,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.READ,
                    StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new InvalidConfigException(
                    "ledgerJournal",
                    "the ledger journal's lock file " + file + " cannot be opened (" + e
                            + "): the directory must be writable, and the lock file a plain file");
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException heldHere) { // by a channel of this process the set does not know
            lock = null;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new InvalidConfigException(
                    "ledgerJournal", "the ledger journal in " + directory + " cannot be locked: " + e);
        }
        if (lock == null) {
            String holder = holder(channel);
            closeQuietly(channel);
            throw new InvalidConfigException(
                    "ledgerJournal",
                    "the ledger journal in " + directory
                            + " is in use by another runtime (" + holder + "): close that runtime first, or give this"
                            + " one a directory of its own");
        }
        try {
            byte[] me = ("pid " + ProcessHandle.current().pid() + " since " + Instant.now() + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(me), 0);
        } catch (IOException e) {
            // The lock holds without the note; only a later opener's message is the poorer for it.
        }
        return new JournalLock(channel, lock, key);
    }

    private static String holder(FileChannel channel) {
        try {
            ByteBuffer note = ByteBuffer.allocate(200);
            channel.read(note, 0);
            String text = new String(note.array(), 0, note.position(), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "its lock file names no holder" : text;
        } catch (IOException e) {
            return "its lock file cannot be read";
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // released with the channel
        }
        closeQuietly(channel);
        HELD.remove(key);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }
}
