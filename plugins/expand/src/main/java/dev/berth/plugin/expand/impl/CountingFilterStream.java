package dev.berth.plugin.expand.impl;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A filter stream that hashes and counts every byte that passes: skipping reads through
 * {@link #read(byte[], int, int)}, and mark/reset are not supported. Subclasses check what they need after
 * each read in {@link #counted}. Not thread-safe: one reader.
 */
abstract class CountingFilterStream extends FilterInputStream {
    private final MessageDigest hash;
    private long count;

    /** @param algorithm the JDK's name of the hash: {@code SHA-256} or {@code SHA-512} */
    CountingFilterStream(InputStream in, String algorithm) {
        super(in);
        try {
            this.hash = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
    }

    /** Bytes read so far. */
    final long count() {
        return count;
    }

    /** The hash of everything read so far, in lower-case hex; call once, at the end. */
    final String hexDigest() {
        return HexFormat.of().formatHex(hash.digest());
    }

    /** Called after every read that returned bytes, {@link #count()} already counting them. */
    void counted(int n) throws IOException {
    }

    @Override
    public final int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            hash.update((byte) b);
            count++;
            counted(1);
        }
        return b;
    }

    @Override
    public final int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            hash.update(b, off, n);
            count += n;
            counted(n);
        }
        return n;
    }

    /** Skipping must still see the bytes, so it reads. */
    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[(int) Math.min(Math.max(n, 0), 65536)];
        long done = 0;
        while (done < n) {
            int r = read(buffer, 0, (int) Math.min(buffer.length, n - done));
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readlimit) {
        // Not supported: every byte is seen once.
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }
}
