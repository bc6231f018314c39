package dev.berth.engine.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.stage.GrowingBlob;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's side of streaming: a {@link BlobFeeds} blob read by an expand call while the pull stage (played
 * here by the test thread, through the feed's observer methods) writes it, renames it into the store, gives
 * it up, or ends without a word about it.
 */
class BlobFeedsTest {
    private static final byte[] BYTES = new byte[200_000];
    private static final Descriptor BLOB = new Descriptor(MediaTypes.OCI_LAYER_GZIP,
            Digest.sha256("ab".repeat(32)), BYTES.length);

    static {
        new Random(3).nextBytes(BYTES);
    }

    @TempDir
    Path tmp;
    Path partial;
    Path stored;
    BlobFeeds feeds;

    @BeforeEach
    void setUp() throws IOException {
        partial = tmp.resolve("ingest.partial");
        stored = Files.createDirectories(tmp.resolve("blobs")).resolve(BLOB.digest().hex());
        feeds = new BlobFeeds(digest -> tmp.resolve("blobs").resolve(digest.hex()));
    }

    private static CompletableFuture<byte[]> readAll(GrowingBlob blob) {
        return CompletableFuture.supplyAsync(() -> {
            try (InputStream in = blob.open()) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @Test
    void readsWhileWrittenThenFromTheStoredName() throws Exception {
        BlobFeeds.Feed feed = feeds.open("f1", image -> { });
        AtomicInteger life = new AtomicInteger();
        GrowingBlob view = feed.blob(BLOB).view(life::incrementAndGet);
        CompletableFuture<byte[]> read = readAll(view);
        CompletableFuture<java.nio.file.Path> awaited = CompletableFuture.supplyAsync(() -> {
            try {
                return view.awaitStored();
            } catch (BerthException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100); // the reader waits for a file that does not exist yet
        Files.write(partial, new byte[0]);
        feed.blobWriting(BLOB, partial);
        int half = BYTES.length / 2;
        Files.write(partial, Arrays.copyOfRange(BYTES, 0, half), StandardOpenOption.APPEND);
        feed.blobProgress(BLOB, half);
        Thread.sleep(100);
        assertTrue(!read.isDone() && !awaited.isDone(), "nothing ends before the whole blob is there");
        Files.write(partial, Arrays.copyOfRange(BYTES, half, BYTES.length), StandardOpenOption.APPEND);
        Files.move(partial, stored);
        feed.blobStored(BLOB, stored);
        assertArrayEquals(BYTES, read.get(10, TimeUnit.SECONDS));
        assertEquals(stored, awaited.get(10, TimeUnit.SECONDS));
        assertTrue(life.get() > 0, "a reader waiting on a pull under way shows life");
        feed.end(null);
    }

    @Test
    void failedDownloadFailsTheReaderMidStreamAndTheWait() throws Exception {
        BlobFeeds.Feed feed = feeds.open("f2", image -> { });
        GrowingBlob view = feed.blob(BLOB).view(() -> { });
        Files.write(partial, Arrays.copyOfRange(BYTES, 0, 1000));
        feed.blobWriting(BLOB, partial);
        CompletableFuture<byte[]> read = readAll(view);
        Thread.sleep(100);
        feed.blobFailed(BLOB, "fetch blob " + BLOB.digest() + ": connection reset");
        Exception e = assertThrows(Exception.class, () -> read.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("connection reset"), e.getCause().getMessage());
        BerthException wait = assertThrows(BerthException.class, view::awaitStored);
        assertEquals(ErrorKind.UNAVAILABLE, wait.kind());
        assertTrue(wait.getMessage().contains(BLOB.digest().toString()), wait.getMessage());
        // A later "stored" does not undo a failure.
        feed.blobStored(BLOB, stored);
        assertThrows(BerthException.class, view::awaitStored);
    }

    @Test
    void rejectedBlobIsInvalid() {
        BlobFeeds.Feed feed = feeds.open("f3", image -> { });
        feed.blobRejected(BLOB, "blob " + BLOB.digest() + ": digest mismatch: got sha256:00");
        BerthException e = assertThrows(BerthException.class, () -> feed.blob(BLOB).view(() -> { }).awaitStored());
        assertEquals(ErrorKind.INVALID, e.kind());
    }

    @Test
    void pullEndingWithoutAWordSettlesEveryBlob() throws Exception {
        Descriptor other = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256("cd".repeat(32)), 10);
        BlobFeeds.Feed feed = feeds.open("f4", image -> { });
        GrowingBlob present = feed.blob(BLOB).view(() -> { });
        GrowingBlob absent = feed.blob(other).view(() -> { });
        CompletableFuture<byte[]> read = readAll(present);
        Files.write(stored, BYTES); // a stage that stores blobs but does not say so
        feed.end(null);
        assertEquals(stored, present.awaitStored());
        assertArrayEquals(BYTES, read.get(10, TimeUnit.SECONDS));
        BerthException e = assertThrows(BerthException.class, absent::awaitStored);
        assertTrue(e.getMessage().contains("ended without storing it"), e.getMessage());
        assertTrue(feeds.find("f4").isEmpty(), "an ended feed is forgotten");
    }

    @Test
    void failedPullFailsTheBlobsItLeftOpen() {
        BlobFeeds.Feed feed = feeds.open("f5", image -> { });
        GrowingBlob view = feed.blob(BLOB).view(() -> { });
        feed.end("pull 127.0.0.1:5000/x: registry answered 500");
        BerthException e = assertThrows(BerthException.class, view::awaitStored);
        assertTrue(e.getMessage().contains("registry answered 500"), e.getMessage());
    }

    @Test
    void rewrittenFileIsReadOnFromTheSamePosition() throws Exception {
        BlobFeeds.Feed feed = feeds.open("f6", image -> { });
        GrowingBlob view = feed.blob(BLOB).view(() -> { });
        int half = BYTES.length / 2;
        Files.write(partial, Arrays.copyOfRange(BYTES, 0, half));
        feed.blobWriting(BLOB, partial);
        CompletableFuture<byte[]> read = readAll(view);
        Thread.sleep(100);
        // The registry refused Range: truncated and written again from byte 0.
        Files.write(partial, new byte[0], StandardOpenOption.TRUNCATE_EXISTING);
        feed.blobWriting(BLOB, partial);
        Files.write(partial, BYTES, StandardOpenOption.APPEND);
        feed.blobProgress(BLOB, BYTES.length);
        Files.move(partial, stored);
        feed.blobStored(BLOB, stored);
        assertArrayEquals(BYTES, read.get(10, TimeUnit.SECONDS));
    }
}
