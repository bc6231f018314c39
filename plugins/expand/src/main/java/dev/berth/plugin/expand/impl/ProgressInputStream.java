package dev.berth.plugin.expand.impl;

import dev.berth.api.stage.StageProgress;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reports how much of a layer blob has been read, every {@link #STEP} bytes, so a long expansion shows
 * progress (the engine counts progress as a sign of life and abandons stage calls that show none).
 * Not thread-safe: one reader.
 */
final class ProgressInputStream extends FilterInputStream {
    /** Bytes between two reports. */
    static final long STEP = 4L * 1024 * 1024;

    private final StageProgress progress;
    private final String item;
    private final long total;
    private long read;
    private long reported;

    ProgressInputStream(InputStream in, StageProgress progress, String item, long total) {
        super(in);
        this.progress = progress;
        this.item = item;
        this.total = total;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            advance(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            advance(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(n);
        advance(skipped);
        return skipped;
    }

    private void advance(long n) {
        read += n;
        if (read - reported >= STEP) {
            reported = read;
            progress.update(item, "expanding", read, total);
        }
    }
}
