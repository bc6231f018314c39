package dev.berth.eventlog.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real file channel that fails the next write (after writing half of it, like a disk filling up) or
 * the next force when told to. Thread-safe as far as the failure switches go; the writer thread is its
 * only user otherwise.
 */
final class FaultyChannel extends FileChannel {
    /** Failures to inject, shared by every channel one opener hands out. */
    static final class Faults {
        final AtomicReference<String> nextWrite = new AtomicReference<>();
        final AtomicReference<String> nextForce = new AtomicReference<>();
        final AtomicReference<String> nextCreate = new AtomicReference<>();

        SegmentedEventLog.ChannelOpener opener() {
            return (file, options) -> {
                String create = options.contains(java.nio.file.StandardOpenOption.CREATE_NEW) ? nextCreate.getAndSet(null) : null;
                if (create != null) {
                    throw new IOException(create);
                }
                return new FaultyChannel(FileChannel.open(file, options), this);
            };
        }
    }

    private final FileChannel delegate;
    private final Faults faults;

    FaultyChannel(FileChannel delegate, Faults faults) {
        this.delegate = delegate;
        this.faults = faults;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        String failure = faults.nextWrite.getAndSet(null);
        if (failure != null) {
            ByteBuffer half = src.duplicate();
            half.limit(src.position() + src.remaining() / 2);
            delegate.write(half, position);
            throw new IOException(failure);
        }
        return delegate.write(src, position);
    }

    @Override
    public void force(boolean metaData) throws IOException {
        String failure = faults.nextForce.getAndSet(null);
        if (failure != null) {
            throw new IOException(failure);
        }
        delegate.force(metaData);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return delegate.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        long at = delegate.position();
        int written = write(src, at);
        delegate.position(at + written);
        return written;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        throw new UnsupportedOperationException("the log writes single buffers");
    }

    @Override
    public long position() throws IOException {
        return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        delegate.truncate(size);
        return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        return delegate.transferFrom(src, position, count);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return delegate.read(dst, position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return delegate.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        delegate.close();
    }
}
