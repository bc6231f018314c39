package dev.berth.plugin.expand.impl;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The uncompressed tar stream of one layer: hashes every byte for the DiffID and enforces the size and
 * compression-ratio limits as bytes flow; not thread-safe (one unpack owns it).
 */
final class LayerStream extends CountingFilterStream {

    /** Thrown when a limit is crossed; the unpacker turns it into an INVALID error naming the entry. */
    static final class LimitExceeded extends IOException {
        private static final long serialVersionUID = 1L;

        LimitExceeded(String message) {
            super(message);
        }
    }

    /**
     * Counts the compressed bytes read from the blob and never closes it (the caller owns it). One thread reads;
     * another may read the count (igzip's feeding thread reads the blob while the layer stream checks the ratio).
     */
    static final class CountingInput extends FilterInputStream {
        private volatile long count;

        CountingInput(InputStream in) {
            super(in);
        }

        long count() {
            return count;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = in.skip(n);
            count += Math.max(0, skipped);
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        @Override
        public void close() {
            // The blob belongs to the caller.
        }
    }

    private final CountingInput compressed;
    private final boolean checkRatio;
    private final Limits limits;
    private LimitExceeded tripped;

    LayerStream(InputStream uncompressed, CountingInput compressed, boolean checkRatio, Limits limits) {
        super(uncompressed, "SHA-256");
        this.compressed = compressed;
        this.checkRatio = checkRatio;
        this.limits = limits;
    }

    /** The limit crossed, if any; kept because tar readers sometimes wrap the exception. */
    LimitExceeded tripped() {
        return tripped;
    }

    /** Uncompressed bytes read so far are checked against the layer size and compression-ratio limits. */
    @Override
    void counted(int n) throws LimitExceeded {
        long count = count();
        if (count > limits.maxLayerBytes()) {
            throw trip("layer is larger than the limit of " + limits.maxLayerBytes() + " uncompressed bytes");
        }
        if (checkRatio && count > limits.ratioGraceBytes()
                && count / Math.max(1, compressed.count()) > limits.maxCompressionRatio()) {
            throw trip("compression ratio above the limit of " + limits.maxCompressionRatio()
                    + " (decompression bomb): " + count + " bytes from " + compressed.count() + " compressed");
        }
    }

    private LimitExceeded trip(String message) {
        if (tripped == null) {
            tripped = new LimitExceeded(message);
        }
        return tripped;
    }
}
