package dev.berth.plugin.expand.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The host's igzip as the gzip inflater: the same bytes out as the JDK's zlib for what is valid, an
 * {@link IOException} naming igzip's complaint for what is not, the caller's own failure unchanged, and no igzip
 * process left behind. Runs the real igzip (Debian package isal); skips, saying so, where it is not installed.
 */
class HostGunzipTest {

    private static HostGunzip igzip;

    @BeforeAll
    static void findIgzip() {
        igzip = igzipOrSkip("HostGunzipTest");
    }

    /**
     * The host's igzip; skips the calling test, printing "SKIPPED: " with {@code test} first, where it is not on
     * PATH (Berth inflates with the JDK's zlib there).
     */
    static HostGunzip igzipOrSkip(String test) {
        String found = HostTools.find(HostGunzip.TOOL).orElse(null);
        if (found == null) {
            System.out.println("SKIPPED: " + test + ": igzip is not on PATH (Debian package isal); "
                    + "Berth inflates with the JDK's zlib there");
        }
        Assumptions.assumeTrue(found != null, "igzip is not on PATH (Debian package isal)");
        return new HostGunzip(found);
    }

    /** A named gzip stream that both inflaters must read to the same bytes. */
    record Valid(String name, byte[] gzip) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Valid> valid() throws IOException {
        byte[] random = new byte[3 << 20];
        new Random(7).nextBytes(random);
        byte[] text = "a line of an image's /etc/services\n".repeat(100_000).getBytes(StandardCharsets.UTF_8);
        return Stream.of(
                new Valid("Empty", gzip(new byte[0])),
                new Valid("OneByte", gzip(new byte[] {42})),
                new Valid("RandomThreeMiB", gzip(random)),
                new Valid("CompressibleText", gzip(text)),
                new Valid("TwoMembers", concat(gzip(text), gzip(random))),
                new Valid("TrailingZeros", concat(gzip(text), new byte[1024])));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void inflatesWhatTheJdkInflates(Valid c) throws IOException {
        byte[] expected;
        try (InputStream jdk = Gunzip.JDK.open(new ByteArrayInputStream(c.gzip()))) {
            expected = jdk.readAllBytes();
        }
        try (InputStream host = igzip.open(new ByteArrayInputStream(c.gzip()))) {
            assertArrayEquals(expected, host.readAllBytes());
            assertEquals(-1, host.read(), "stays at its end");
        }
        assertNothingLeft();
    }

    /** A named hostile gzip stream: both inflaters must refuse it. */
    record Hostile(String name, Function<byte[], byte[]> spoil) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Hostile> hostile() {
        return List.of(
                new Hostile("TruncatedHalfway", g -> Arrays.copyOf(g, g.length / 2)),
                new Hostile("TruncatedInTrailer", g -> Arrays.copyOf(g, g.length - 3)),
                new Hostile("HeaderOnly", g -> Arrays.copyOf(g, 10)),
                new Hostile("MagicOnly", g -> Arrays.copyOf(g, 2)),
                new Hostile("CrcFlipped", g -> flip(g, g.length - 6)),
                new Hostile("SizeFlipped", g -> flip(g, g.length - 2)),
                new Hostile("DeflateDataFlipped", g -> flip(g, g.length / 2)),
                new Hostile("NotDeflateAfterMagic", g -> concat(Arrays.copyOf(g, 2),
                        "this is not a deflate stream".repeat(100).getBytes(StandardCharsets.UTF_8))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void refusesCorruptDataLikeTheJdk(Hostile c) throws IOException {
        byte[] random = new byte[1 << 20];
        new Random(11).nextBytes(random);
        byte[] text = "x".repeat(1 << 20).getBytes(StandardCharsets.UTF_8);
        byte[] bad = c.spoil().apply(concat(gzip(random), gzip(text)));
        assertThrows(IOException.class, () -> {
            try (InputStream jdk = Gunzip.JDK.open(new ByteArrayInputStream(bad))) {
                jdk.readAllBytes();
            }
        }, "the JDK's inflater refuses it too");
        IOException e = assertThrows(IOException.class, () -> {
            try (InputStream host = igzip.open(new ByteArrayInputStream(bad))) {
                host.readAllBytes();
            }
        });
        System.out.println(c.name() + ": " + e.getMessage());
        assertTrue(e.getMessage().startsWith("gzip data truncated or corrupt (igzip exited with status "),
                e.getMessage());
        assertNothingLeft();
    }

    @Test
    void aFailureReadingTheCompressedInputReachesTheReaderUnchanged() throws IOException {
        byte[] random = new byte[4 << 20];
        new Random(3).nextBytes(random);
        byte[] gzip = gzip(random);
        IOException mismatch = new IOException("blob sha256:abc: digest mismatch");
        InputStream failing = new FilterInputStream(new ByteArrayInputStream(gzip)) {
            private int read;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (read > gzip.length / 2) {
                    throw mismatch;
                }
                int n = super.read(b, off, len);
                read += Math.max(0, n);
                return n;
            }
        };
        IOException e = assertThrows(IOException.class, () -> {
            try (InputStream host = igzip.open(failing)) {
                host.readAllBytes();
            }
        });
        assertSame(mismatch, e);
        assertNothingLeft();
    }

    @Test
    void closingBeforeTheEndStopsIgzipAndTheFeeder() throws IOException {
        byte[] gzip = randomGzip(32 << 20);
        CountingSource source = new CountingSource(new ByteArrayInputStream(gzip));
        try (InputStream host = igzip.open(source)) {
            assertEquals(1 << 16, host.readNBytes(1 << 16).length);
            assertTrue(igzipChildren() > 0, "igzip runs while the stream is open");
        }
        assertNothingLeft();
        assertTrue(source.read < gzip.length / 4, "read " + source.read + " of " + gzip.length
                + " compressed bytes: closing stopped the feeder instead of draining the source");
    }

    @Test
    @Timeout(60) // the failure this guards against is a hang
    void closingWhileTheSourceWaitsForMoreStopsTheFeeder() throws Exception {
        // 300 KB, less than the 1 MiB igzip reads before it inflates, then a wait for bytes that never come, as a
        // stalled download's would: igzip waits for input, the feeder for its source.
        StallingSource stalling = new StallingSource(Arrays.copyOf(randomGzip(8 << 20), 300_000));
        try (InputStream host = igzip.open(stalling)) {
            assertTrue(stalling.stalled.await(10, TimeUnit.SECONDS), "the feeder read the source to its stall");
        }
        assertNothingLeft();
    }

    // Repeated: reading igzip's message raced the feeder's kill of the dead process (which closes its pipes) in
    // about one run of a hundred before the message was read first.
    @RepeatedTest(25)
    @Timeout(60) // the failure this guards against is a hang
    void corruptDataIsReportedWithoutWaitingForTheRestOfTheSource() throws Exception {
        // A gzip header, then 1 MiB of bytes that are no deflate data (0xff: a block of the reserved type 3),
        // then a stall: igzip fails on its first block while the feeder waits for more.
        byte[] corrupt = new byte[1 << 20];
        Arrays.fill(corrupt, (byte) 0xff);
        System.arraycopy(gzip(new byte[0]), 0, corrupt, 0, 10);
        StallingSource stalling = new StallingSource(corrupt);
        IOException e = assertThrows(IOException.class, () -> {
            try (InputStream host = igzip.open(stalling)) {
                assertTrue(stalling.stalled.await(10, TimeUnit.SECONDS), "the feeder read the source to its stall");
                host.readAllBytes();
            }
        });
        assertTrue(e.getMessage().startsWith("gzip data truncated or corrupt (igzip exited with status "),
                e.getMessage());
        assertNothingLeft();
    }

    @Test
    void theHostsInflaterIsIgzipUnlessTheJdksIsAskedFor() {
        String before = System.getProperty(Gunzip.PROPERTY);
        try {
            System.clearProperty(Gunzip.PROPERTY);
            assertEquals(igzip, Gunzip.forHost());
            System.setProperty(Gunzip.PROPERTY, "jdk");
            assertSame(Gunzip.JDK, Gunzip.forHost());
        } finally {
            if (before == null) {
                System.clearProperty(Gunzip.PROPERTY);
            } else {
                System.setProperty(Gunzip.PROPERTY, before);
            }
        }
    }

    @Test
    void anIgzipThatCannotStartFallsBackToTheJdk() throws IOException {
        byte[] text = "fallback".repeat(1000).getBytes(StandardCharsets.UTF_8);
        try (InputStream in = new HostGunzip("/nonexistent/igzip").open(new ByteArrayInputStream(gzip(text)))) {
            assertArrayEquals(text, in.readAllBytes());
        }
    }

    /** Gzip of {@code size} pseudo-random bytes (stored blocks: as large as the data), streamed, not held. */
    private static byte[] randomGzip(int size) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + (size >> 4));
        Random random = new Random(size);
        byte[] chunk = new byte[1 << 16];
        try (GZIPOutputStream g = new GZIPOutputStream(out, 1 << 16)) {
            for (int done = 0; done < size; done += chunk.length) {
                random.nextBytes(chunk);
                g.write(chunk);
            }
        }
        return out.toByteArray();
    }

    /** Counts the bytes read from it. */
    private static final class CountingSource extends FilterInputStream {
        volatile long read;

        CountingSource(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            read += Math.max(0, n);
            return n;
        }
    }

    /** Gives its bytes, then waits for more until interrupted, as a download that stalled does. */
    private static final class StallingSource extends InputStream {
        private final ByteArrayInputStream first;
        final java.util.concurrent.CountDownLatch stalled = new java.util.concurrent.CountDownLatch(1);

        StallingSource(byte[] first) {
            this.first = new ByteArrayInputStream(first);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = first.read(b, off, len);
            if (n > 0) {
                return n;
            }
            stalled.countDown();
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new java.io.InterruptedIOException("stopped waiting for more bytes");
        }
    }

    /** No igzip process and no feeding thread outlive their stream. */
    private static void assertNothingLeft() {
        awaitNone(HostGunzipTest::igzipChildren, "no igzip process outlives its stream");
        awaitNone(HostGunzipTest::feeders, "no feeding thread outlives its stream");
    }

    /** Waits up to 5 s for {@code count} to reach 0 (a killed process or a stopping thread takes a moment). */
    private static void awaitNone(java.util.function.LongSupplier count, String message) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (count.getAsLong() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(0, count.getAsLong(), message);
    }

    private static long feeders() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("berth-expand-gunzip-feed")).count();
    }

    private static long igzipChildren() {
        return ProcessHandle.current().children().filter(p -> p.isAlive()
                && p.info().command().map(c -> c.endsWith("/igzip")).orElse(false)).count();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static byte[] flip(byte[] g, int at) {
        byte[] copy = g.clone();
        copy[at] ^= (byte) 0xff;
        return copy;
    }
}
