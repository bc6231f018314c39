package dev.berth.plugin.expand.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.stage.ExpandRequest;
import dev.berth.api.stage.ExpandedLayer;
import dev.berth.api.stage.GrowingBlob;
import dev.berth.api.stage.StageProgress;
import dev.berth.api.testing.RecordingEventLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Expanding a layer while its blob downloads ({@link LayerExpander#expand(ExpandRequest, GrowingBlob,
 * StageProgress)}), one named case per way a download can go. A {@link ScriptedBlob} plays the pull stage: a
 * thread writes the blob's bytes into a file in steps while the expander reads them. Every failing case must
 * leave no snapshot under its final name, no {@code tmp-*} directory, no {@code layer.expanded} event and the
 * sentinel outside the store unchanged; every succeeding case exactly one snapshot with the layer's files.
 */
class StreamingExpandTest {
    private static final byte[] LAYER = layer();
    private static final Descriptor BLOB = new Descriptor(MediaTypes.OCI_LAYER_GZIP, sha256(LAYER), LAYER.length);
    private static final Digest DIFF_ID = sha256(gunzip(LAYER));

    @TempDir
    Path tmp;
    Path root;
    Path sentinel;
    RecordingEventLog log;
    LayerExpander expander;

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createDirectory(tmp.resolve("root"));
        sentinel = Files.writeString(tmp.resolve("sentinel.txt"), "sentinel");
        log = new RecordingEventLog();
        expander = new LayerExpander(root, log, new LayerUnpacker());
    }

    /** One step of the scripted download. */
    interface Step {
        void apply(ScriptedBlob blob) throws Exception;
    }

    static Step write(int from, int to) {
        return b -> b.append(Arrays.copyOfRange(LAYER, from, to));
    }

    static Step pause(long millis) {
        return b -> Thread.sleep(millis);
    }

    static final Step STORE = ScriptedBlob::store;

    static Stream<Arguments> cases() {
        int half = LAYER.length / 2;
        int n = LAYER.length;
        byte[] flipped = LAYER.clone();
        flipped[half] ^= 0x55;
        return Stream.of(
                ok("WholeBlobThenStored", write(0, n), STORE),
                ok("GrowsInSmallSteps", write(0, 100), pause(30), write(100, half), pause(30), write(half, n),
                        pause(30), STORE),
                // The connection dropped mid-blob; after a pause the pull resumed with Range from where it was.
                ok("DroppedMidBlobThenRangeResume", write(0, half), pause(200), write(half, n), STORE),
                // The registry refused Range: the file is truncated and written again from byte 0 under the reader.
                ok("RewrittenFromTheStart", write(0, half), pause(50), ScriptedBlob::truncate, write(0, n), STORE),
                failed("DigestMismatchWhileStreaming", List.of("digest mismatch"),
                        b -> b.append(Arrays.copyOfRange(flipped, 0, n)), b -> b.fail("blob " + BLOB.digest()
                                + ": digest mismatch: got sha256:feed")),
                failed("TruncatedMidStream", List.of("connection reset"), write(0, half),
                        b -> b.fail("fetch blob: connection reset after " + half + " bytes")),
                failed("DownloadFailsBeforeAnyByte", List.of("registry answered 500"),
                        b -> b.fail("registry answered 500")),
                // The pull says "stored" for bytes that are not the blob: the expander's own check refuses them.
                failed("StoredBytesDoNotMatchDescriptor", List.of(),
                        b -> b.append(Arrays.copyOfRange(flipped, 0, n)), STORE));
    }

    static Arguments ok(String name, Step... steps) {
        return Arguments.of(Named.of(name, List.of(steps)), null);
    }

    static Arguments failed(String name, List<String> fragments, Step... steps) {
        return Arguments.of(Named.of(name, List.of(steps)), fragments);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void downloads(List<Step> steps, List<String> rejected) throws Exception {
        ScriptedBlob blob = new ScriptedBlob(tmp.resolve("ingest.partial"), steps);
        ExpandRequest request = new ExpandRequest(BLOB, DIFF_ID, DIFF_ID, null);
        blob.start();
        if (rejected == null) {
            ExpandedLayer layer = expander.expand(request, blob, StageProgress.NONE);
            assertFalse(layer.existed());
            assertEquals("hello\n", Files.readString(layer.snapshot().resolve("etc/hello")));
            assertEquals(List.of(DIFF_ID.hex()), finalSnapshots());
            assertEquals(1, log.drafts().size());
            assertEquals("layer.expanded", log.drafts().get(0).type());
        } else {
            BerthException e = assertThrows(BerthException.class, () -> expander.expand(request, blob,
                    StageProgress.NONE));
            for (String fragment : rejected) {
                assertTrue(e.getMessage().contains(fragment), e.getMessage() + " lacks " + fragment);
            }
            assertTrue(e.getMessage().contains(BLOB.digest().toString()), e.getMessage());
            assertEquals(List.of(), finalSnapshots());
            assertEquals(List.of(), log.drafts());
        }
        blob.join();
        assertEquals(List.of(), leftovers());
        assertEquals("sentinel", Files.readString(sentinel));
    }

    @Test
    void snapshotWaitsForTheBlobToBeStored() throws Exception {
        CountDownLatch stored = new CountDownLatch(1);
        ScriptedBlob blob = new ScriptedBlob(tmp.resolve("ingest.partial"), List.of(write(0, LAYER.length),
                b -> stored.await(), STORE));
        blob.start();
        Thread expanding = new Thread(() -> {
            try {
                expander.expand(new ExpandRequest(BLOB, DIFF_ID, DIFF_ID, null), blob, StageProgress.NONE);
            } catch (BerthException e) {
                throw new IllegalStateException(e);
            }
        });
        expanding.start();
        // Every byte is there and unpacked, but the pull has not said "stored": no final name, no event yet.
        Thread.sleep(500);
        assertTrue(expanding.isAlive());
        assertEquals(List.of(), finalSnapshots());
        assertEquals(List.of(), log.drafts());
        stored.countDown();
        expanding.join(10_000);
        assertEquals(List.of(DIFF_ID.hex()), finalSnapshots());
        blob.join();
    }

    @Test
    void hostileLayerFailsWhileStreamingAsFromTheStore() throws Exception {
        byte[] hostile = gzip(new TarBuilder().file("../sentinel.txt", "pwned").toByteArray());
        Descriptor descriptor = new Descriptor(MediaTypes.OCI_LAYER_GZIP, sha256(hostile), hostile.length);
        Digest diffId = sha256(gunzip(hostile));
        ScriptedBlob blob = new ScriptedBlob(tmp.resolve("ingest.partial"), descriptor, hostile,
                List.of(b -> b.append(hostile), ScriptedBlob::store));
        blob.start();
        BerthException e = assertThrows(BerthException.class, () -> expander.expand(
                new ExpandRequest(descriptor, diffId, diffId, null), blob, StageProgress.NONE));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("escapes the root"), e.getMessage());
        blob.join();
        assertEquals(List.of(), finalSnapshots());
        assertEquals(List.of(), leftovers());
        assertEquals("sentinel", Files.readString(sentinel));
    }

    private List<String> finalSnapshots() throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("snapshots"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9a-f]{64}")).toList();
        }
    }

    private List<String> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("snapshots"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("tmp-")).toList();
        }
    }

    /**
     * A blob written by a script on a thread of its own, as a pull stage writes one, with the content store's
     * final name ({@code content/blobs/sha256/<hex>}) given on {@link #store()}. Thread-safe.
     */
    final class ScriptedBlob implements GrowingBlob {
        private final Path partial;
        private final Descriptor descriptor;
        private final List<Step> steps;
        private final Thread writer;
        private Path file;
        private boolean stored;
        private String failure;

        ScriptedBlob(Path partial, List<Step> steps) {
            this(partial, BLOB, LAYER, steps);
        }

        ScriptedBlob(Path partial, Descriptor descriptor, byte[] unused, List<Step> steps) {
            this.partial = partial;
            this.descriptor = descriptor;
            this.steps = steps;
            this.file = partial;
            this.writer = new Thread(() -> {
                try {
                    Files.write(partial, new byte[0]);
                    for (Step step : steps) {
                        step.apply(this);
                    }
                } catch (Exception e) {
                    fail("script: " + e);
                }
            }, "scripted-blob");
        }

        void start() {
            writer.start();
        }

        void join() throws InterruptedException {
            writer.join(10_000);
        }

        void append(byte[] bytes) throws IOException {
            Files.write(partial, bytes, java.nio.file.StandardOpenOption.APPEND);
            wake();
        }

        void truncate() throws IOException {
            Files.write(partial, new byte[0], java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        }

        void store() throws IOException {
            Path blobs = Files.createDirectories(root.resolve("content/blobs/sha256"));
            Path target = blobs.resolve(descriptor.digest().hex());
            Files.move(partial, target);
            synchronized (this) {
                file = target;
                stored = true;
                notifyAll();
            }
        }

        synchronized void fail(String why) {
            if (!stored && failure == null) {
                failure = why;
                notifyAll();
            }
        }

        private synchronized void wake() {
            notifyAll();
        }

        @Override
        public Descriptor descriptor() {
            return descriptor;
        }

        @Override
        public InputStream open() {
            return new InputStream() {
                private long position;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    while (true) {
                        if (position >= descriptor.size()) {
                            return -1;
                        }
                        Path where;
                        synchronized (ScriptedBlob.this) {
                            if (failure != null) {
                                throw new IOException(failure);
                            }
                            where = file;
                        }
                        try (var channel = java.nio.channels.FileChannel.open(where)) {
                            int n = channel.read(java.nio.ByteBuffer.wrap(b, off,
                                    (int) Math.min(len, descriptor.size() - position)), position);
                            if (n > 0) {
                                position += n;
                                return n;
                            }
                        } catch (java.nio.file.NoSuchFileException e) {
                            // renamed meanwhile; the next turn reads the stored file
                        }
                        synchronized (ScriptedBlob.this) {
                            if (stored && where.equals(file)) {
                                return -1;
                            }
                            try {
                                ScriptedBlob.this.wait(10);
                            } catch (InterruptedException e) {
                                throw new InterruptedIOException();
                            }
                        }
                    }
                }
            };
        }

        @Override
        public synchronized Path awaitStored() throws BerthException {
            while (!stored && failure == null) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    throw new BerthException(ErrorKind.UNAVAILABLE, "interrupted", e);
                }
            }
            if (failure != null) {
                throw new BerthException(failure.contains("mismatch") ? ErrorKind.INVALID : ErrorKind.UNAVAILABLE,
                        "blob " + descriptor.digest() + ": " + failure);
            }
            return file;
        }
    }

    private static byte[] layer() {
        try {
            TarBuilder t = new TarBuilder();
            t.dir("etc", 0755).file("etc/hello", "hello\n");
            // Enough incompressible bytes that the blob arrives in several steps.
            byte[] noise = new byte[300_000];
            new java.util.Random(7).nextBytes(noise);
            t.file("var/noise", noise, 0644, 0, 0, java.util.Map.of());
            return gzip(t.toByteArray());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(plain);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    private static byte[] gunzip(byte[] compressed) {
        try (InputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(compressed))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Digest sha256(byte[] bytes) {
        try {
            return Digest.sha256(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
