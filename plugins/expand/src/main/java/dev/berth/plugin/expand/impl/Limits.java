package dev.berth.plugin.expand.impl;

/**
 * The bounds a single layer must stay within while it is unpacked; an immutable value, safe to share
 * between threads.
 *
 * <p>A layer that crosses any bound is rejected as {@code INVALID}: these numbers defend the host
 * against decompression bombs and entry floods, they are not quotas.
 *
 * @param maxLayerBytes largest uncompressed tar stream accepted, in bytes
 * @param maxCompressionRatio largest ratio of uncompressed to compressed bytes read so far, checked
 *     once {@code ratioGraceBytes} uncompressed bytes have been read; plain tar is never ratio-checked
 * @param ratioGraceBytes uncompressed bytes read before the ratio check starts (small layers of
 *     zeros compress very well and are harmless)
 * @param maxEntries most tar entries accepted in one layer (PAX and GNU long-name headers excluded)
 * @param maxPathLength longest entry name or link target accepted, in characters
 */
public record Limits(long maxLayerBytes, long maxCompressionRatio, long ratioGraceBytes, long maxEntries,
        int maxPathLength) {

    /** 64 GiB per layer. */
    public static final long DEFAULT_MAX_LAYER_BYTES = 64L << 30;
    /** A ratio of 1000; deflate cannot exceed about 1032 even for zeros, so gzip bombs stop near here. */
    public static final long DEFAULT_MAX_COMPRESSION_RATIO = 1000;
    /** 10 MiB before the ratio is checked. */
    public static final long DEFAULT_RATIO_GRACE_BYTES = 10L << 20;
    /** Ten million entries. */
    public static final long DEFAULT_MAX_ENTRIES = 10_000_000;
    /** 4096, Linux's PATH_MAX. */
    public static final int DEFAULT_MAX_PATH_LENGTH = 4096;

    public Limits {
        if (maxLayerBytes <= 0 || maxCompressionRatio <= 0 || ratioGraceBytes < 0 || maxEntries <= 0
                || maxPathLength <= 0) {
            throw new IllegalArgumentException("limits must be positive: " + maxLayerBytes + ", "
                    + maxCompressionRatio + ", " + ratioGraceBytes + ", " + maxEntries + ", " + maxPathLength);
        }
    }

    /** The defaults: 64 GiB, ratio 1000 after 10 MiB, 10 million entries, paths up to 4096 characters. */
    public static Limits defaults() {
        return new Limits(DEFAULT_MAX_LAYER_BYTES, DEFAULT_MAX_COMPRESSION_RATIO, DEFAULT_RATIO_GRACE_BYTES,
                DEFAULT_MAX_ENTRIES, DEFAULT_MAX_PATH_LENGTH);
    }
}
