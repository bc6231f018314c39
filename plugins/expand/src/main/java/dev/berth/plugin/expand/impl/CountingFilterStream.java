package dev.berth.plugin.expand.impl;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A filter stream that must see every byte that passes (to hash or count it): skipping reads through
 * {@link #read(byte[], int, int)}, and mark/reset are not supported. Not thread-safe: one reader.
 */
abstract class CountingFilterStream extends FilterInputStream {

    CountingFilterStream(InputStream in) {
        super(in);
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
