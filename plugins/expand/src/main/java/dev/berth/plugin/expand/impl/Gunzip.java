package dev.berth.plugin.expand.impl;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Inflates a gzip-compressed layer: the one step of an unpack that costs most processor time. Implementations
 * are stateless and thread-safe; each {@link #open} stream belongs to one unpack.
 *
 * <p>A stream from {@link #open} ends where the last gzip member ends, fails with an {@link IOException} when
 * the data is truncated or corrupt (a bad CRC included).
 */
interface Gunzip {

    /** The system property that picks the inflater: {@code igzip} (the default when found) or {@code jdk}. */
    String PROPERTY = "berth.expand.gunzip";

    /** The gzip stream {@code compressed} inflated. */
    InputStream open(InputStream compressed) throws IOException;

    /** The JDK's zlib ({@link GZIPInputStream}), in the reading thread. */
    Gunzip JDK = new Gunzip() {
        @Override
        public InputStream open(InputStream compressed) throws IOException {
            return new GZIPInputStream(compressed, 1 << 16);
        }
    };

    /**
     * The inflater this host does best: the host's {@code igzip} (Intel ISA-L, Debian's {@code isal} package)
     * when it is on {@code PATH}, about two and a half times as fast as zlib here and on a core of its own
     * (docs/benchmarks.md); the JDK's zlib otherwise, or when the system property {@value #PROPERTY} is
     * {@code jdk}.
     */
    static Gunzip forHost() {
        if ("jdk".equals(System.getProperty(PROPERTY))) {
            return JDK;
        }
        return HostTools.find(HostGunzip.TOOL).<Gunzip>map(HostGunzip::new).orElse(JDK);
    }
}
