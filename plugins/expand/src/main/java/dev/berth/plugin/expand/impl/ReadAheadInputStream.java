package dev.berth.plugin.expand.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Arrays;
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
    private static final byte[] END = new byte[0];

    private final InputStream source;
    private final BlockingQueue<byte[]> chunks;
    private final Thread producer;
    private volatile boolean closed;
    private volatile Throwable failure;
    private byte[] current;
    private int position;

    ReadAheadInputStream(InputStream source, int chunkSize, int chunksAhead) {
        this.source = source;
        this.chunks = new ArrayBlockingQueue<>(chunksAhead);
        this.producer = new Thread(() -> produce(chunkSize), "berth-expand-read-ahead");
        producer.setDaemon(true);
        producer.start();
    }

    private void produce(int chunkSize) {
        try {
            boolean more = true;
            while (more && !closed) {
                byte[] chunk = new byte[chunkSize];
                int filled = 0;
                try {
                    while (filled < chunkSize) {
                        int n = source.read(chunk, filled, chunkSize - filled);
                        if (n < 0) {
                            more = false;
                            break;
                        }
                        filled += n;
                    }
                } finally {
                    // Bytes read before a failure still reach the reader, so it fails at the same entry.
                    if (filled > 0) {
                        offer(filled == chunkSize ? chunk : Arrays.copyOf(chunk, filled));
                    }
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
        } finally {
            offer(END);
        }
    }

    private void offer(byte[] chunk) {
        try {
            while (!closed && !chunks.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                // the reader is busy writing files; wait
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean fill() throws IOException {
        while (current == null || position == current.length) {
            if (current == END) {
                return false;
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
        return fill() ? current[position++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length - position);
        System.arraycopy(current, position, b, off, n);
        position += n;
        return n;
    }

    @Override
    public int available() {
        return current == null || current == END ? 0 : current.length - position;
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
