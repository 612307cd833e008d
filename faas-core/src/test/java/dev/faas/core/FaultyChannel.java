package dev.faas.core;

import dev.faas.core.internal.ledger.LedgerJournal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real segment file that fails on demand, as a full disk does: while {@code full} is set, a write
 * puts half of what it was given on disk and then throws "No space left on device", and a force
 * throws too.
 */
final class FaultyChannel extends FileChannel {

    private final FileChannel file;
    private final AtomicBoolean full;

    private FaultyChannel(FileChannel file, AtomicBoolean full) {
        this.file = file;
        this.full = full;
    }

    /** A segment opener whose files fail while {@code full} is set, and whose opening fails while {@code unwritable} is. */
    static LedgerJournal.SegmentOpener opener(AtomicBoolean full, AtomicBoolean unwritable) {
        return file -> {
            if (unwritable.get()) {
                throw new java.nio.file.AccessDeniedException(file.toString());
            }
            return new FaultyChannel(
                    FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), full);
        };
    }

    static LedgerJournal.SegmentOpener opener(AtomicBoolean full) {
        return opener(full, new AtomicBoolean());
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
        if (full.get()) {
            if (source.remaining() > 1) {
                ByteBuffer half = source.slice(source.position(), source.remaining() / 2);
                int wrote = file.write(half);
                source.position(source.position() + wrote);
            }
            throw new IOException("No space left on device");
        }
        return file.write(source);
    }

    @Override
    public void force(boolean metaData) throws IOException {
        if (full.get()) {
            throw new IOException("No space left on device");
        }
        file.force(metaData);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return file.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return file.read(dsts, offset, length);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public long position() throws IOException {
        return file.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        file.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return file.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        file.truncate(size);
        return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return file.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return file.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    protected void implCloseChannel() throws IOException {
        file.close();
    }
}
