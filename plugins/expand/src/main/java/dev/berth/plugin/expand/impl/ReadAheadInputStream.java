package dev.berth.plugin.expand.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads its source on a thread of its own, a few chunks ahead of the reader, so decompressing and
 * hashing a layer (the source) runs on one core while the tar entries are written on another. A failure
 * of the source is rethrown, as it was, to the reader when it reaches that point of the stream. Once
 * {@link #read} has returned -1 the source has been read to its end and is no longer touched. One reader
 * thread only.
 */
final class ReadAheadInputStream extends InputStream {
    /** A filled chunk: {@code length} bytes of {@code bytes}. */
    private record Chunk(byte[] bytes, int length) {
    }

    private static final Chunk END = new Chunk(new byte[0], 0);

    private final InputStream source;
    private final BlockingQueue<Chunk> chunks;
    /**
     * Arrays the reader is done with, for the producer to fill again: a layer streams through the same few
     * arrays instead of a new one per chunk, which under the daemon's small serial-collector heap were kept
     * alive by the queue long enough to be promoted and made full collections of the old generation.
     */
    private final BlockingQueue<byte[]> spare;
    private final Thread producer;
    private volatile boolean closed;
    private volatile Throwable failure;
    private Chunk current;
    private int position;

    ReadAheadInputStream(InputStream source, int chunkSize, int chunksAhead) {
        this.source = source;
        this.chunks = new ArrayBlockingQueue<>(chunksAhead);
        this.spare = new ArrayBlockingQueue<>(chunksAhead + 2);
        this.producer = new Thread(() -> produce(chunkSize), "berth-expand-read-ahead");
        producer.setDaemon(true);
        producer.start();
    }

    private void produce(int chunkSize) {
        try {
            boolean more = true;
            while (more && !closed) {
                byte[] chunk = spare.poll();
                if (chunk == null) {
                    chunk = new byte[chunkSize];
                }
                int filled = 0;
                try {
                    while (filled < chunk.length) {
                        int n = source.read(chunk, filled, chunk.length - filled);
                        if (n < 0) {
                            more = false;
                            break;
                        }
                        filled += n;
                    }
                } finally {
                    // Bytes read before a failure still reach the reader, so it fails at the same entry.
                    if (filled > 0) {
                        offer(new Chunk(chunk, filled));
                    }
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
        } finally {
            offer(END);
        }
    }

    private void offer(Chunk chunk) {
        try {
            while (!closed && !chunks.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                // the reader is busy writing files; wait
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean fill() throws IOException {
        while (current == null || position == current.length()) {
            if (current == END) {
                return false;
            }
            if (current != null) {
                spare.offer(current.bytes()); // read through: the producer may fill it again
            }
            try {
                current = chunks.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading a layer");
            }
            position = 0;
            if (current == END) {
                rethrow();
                return false;
            }
        }
        return true;
    }

    private void rethrow() throws IOException {
        Throwable t = failure;
        if (t instanceof IOException io) {
            throw io;
        }
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
    }

    @Override
    public int read() throws IOException {
        return fill() ? current.bytes()[position++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length() - position);
        System.arraycopy(current.bytes(), position, b, off, n);
        position += n;
        return n;
    }

    @Override
    public int available() {
        return current == null || current == END ? 0 : current.length() - position;
    }

    /** Stops reading ahead and waits for the reading thread to finish; the source itself is left open. */
    @Override
    public void close() throws IOException {
        closed = true;
        chunks.clear();
        try {
            producer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while stopping a layer read");
        }
    }
}
