package dev.berth.api.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.ImageReference;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.image.Platform;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A pull or expand plugin written before streaming (only the two-argument methods) still serves a streaming
 * engine through the SPI's defaults: the pull tells nothing early, the expand waits for the stored blob.
 */
class StreamingDefaultsTest {
    private static final Descriptor LAYER = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256("ab".repeat(32)), 3);
    private static final Digest DIFF_ID = Digest.sha256("cd".repeat(32));

    /** A blob the test stores or fails by hand. */
    static final class HandBlob implements GrowingBlob {
        final CountDownLatch settled = new CountDownLatch(1);
        volatile String failure;

        @Override
        public Descriptor descriptor() {
            return LAYER;
        }

        @Override
        public InputStream open() {
            throw new AssertionError("a plugin without streaming never reads a growing blob");
        }

        @Override
        public Path awaitStored() throws BerthException {
            try {
                settled.await();
            } catch (InterruptedException e) {
                throw new BerthException(ErrorKind.UNAVAILABLE, "interrupted", e);
            }
            if (failure != null) {
                throw new BerthException(ErrorKind.INVALID, failure);
            }
            return Path.of("/stored");
        }
    }

    @Test
    void oldExpandStageExpandsOnlyOnceTheBlobIsStored() throws Exception {
        AtomicBoolean stored = new AtomicBoolean();
        AtomicReference<Boolean> storedWhenCalled = new AtomicReference<>();
        ExpandStage old = (request, progress) -> {
            storedWhenCalled.set(stored.get());
            return new ExpandedLayer(request.chainId(), request.diffId(), Path.of("/snap"), 1, 1, 1, false);
        };
        HandBlob blob = new HandBlob();
        Thread storing = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            stored.set(true);
            blob.settled.countDown();
        });
        storing.start();
        ExpandedLayer layer = old.expand(new ExpandRequest(LAYER, DIFF_ID, DIFF_ID, null), blob, StageProgress.NONE);
        assertEquals(DIFF_ID, layer.chainId());
        assertEquals(Boolean.TRUE, storedWhenCalled.get());
        storing.join();
    }

    @Test
    void oldExpandStageIsNotCalledForAFailedBlob() {
        AtomicBoolean called = new AtomicBoolean();
        ExpandStage old = (request, progress) -> {
            called.set(true);
            return null;
        };
        HandBlob blob = new HandBlob();
        blob.failure = "blob " + LAYER.digest() + ": digest mismatch";
        blob.settled.countDown();
        BerthException e = assertThrows(BerthException.class,
                () -> old.expand(new ExpandRequest(LAYER, DIFF_ID, DIFF_ID, null), blob, StageProgress.NONE));
        assertTrue(e.getMessage().contains("digest mismatch"));
        assertTrue(!called.get());
    }

    @Test
    void oldPullStageTellsTheObserverNothing() throws Exception {
        PulledImage image = new PulledImage(ImageReference.parse("127.0.0.1:5000/x:1"), Digest.sha256("ee".repeat(32)),
                MediaTypes.OCI_MANIFEST, null, Platform.parse("linux/amd64"),
                new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256("ff".repeat(32)), 2), List.of(LAYER),
                List.of(DIFF_ID), 3);
        PullStage old = (request, progress) -> image;
        PullObserver silent = new PullObserver() {
            @Override
            public void resolved(PulledImage i) {
                throw new AssertionError("told early");
            }

            @Override
            public void blobWriting(Descriptor blob, Path file) {
                throw new AssertionError("told early");
            }

            @Override
            public void blobProgress(Descriptor blob, long written) {
                throw new AssertionError("told early");
            }

            @Override
            public void blobStored(Descriptor blob, Path file) {
                throw new AssertionError("told early");
            }

            @Override
            public void blobRejected(Descriptor blob, String reason) {
            }

            @Override
            public void blobFailed(Descriptor blob, String reason) {
                throw new AssertionError("told early");
            }
        };
        assertSame(image, old.pull(new PullRequest(image.reference(), image.platform(), Set.of()), StageProgress.NONE,
                silent));
    }
}
