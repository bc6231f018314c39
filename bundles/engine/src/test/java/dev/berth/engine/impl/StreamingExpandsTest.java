package dev.berth.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.image.ImageReference;
import dev.berth.api.image.MediaTypes;
import dev.berth.api.image.Platform;
import dev.berth.api.stage.PulledImage;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** When the engine expands a pull's layers while they download, and what it answers once the pull is over. */
class StreamingExpandsTest {
    private static final Descriptor L1 = layer("11");
    private static final Descriptor L2 = layer("22");
    private static final List<Digest> DIFF_IDS = List.of(Digest.sha256("aa".repeat(32)), Digest.sha256("bb".repeat(32)));
    private static final PulledImage IMAGE = new PulledImage(ImageReference.parse("127.0.0.1:5000/x:1"),
            Digest.sha256("cc".repeat(32)), MediaTypes.OCI_MANIFEST, null, Platform.parse("linux/amd64"),
            new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256("dd".repeat(32)), 10), List.of(L1, L2), DIFF_IDS, 0);

    private static Descriptor layer(String hex) {
        return new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(hex.repeat(32)), 100);
    }

    /** Starts requests whose replies the test completes. */
    static final class Replies implements StreamingExpands.Starter {
        final List<CompletableFuture<JsonObject>> sent = new ArrayList<>();
        final AtomicInteger starts = new AtomicInteger();

        @Override
        public List<BusCalls.Reply> start(List<Descriptor> layers, List<Digest> diffIds) {
            starts.incrementAndGet();
            List<BusCalls.Reply> replies = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                CompletableFuture<JsonObject> body = new CompletableFuture<>();
                sent.add(body);
                replies.add(new BusCalls.Reply(body, "expand stage", 1000));
            }
            return replies;
        }
    }

    @Test
    void startsEveryLayerOnceAndAnswersTheChainIds() throws Exception {
        Replies replies = new Replies();
        StreamingExpands early = new StreamingExpands(image -> true, replies);
        early.start(IMAGE);
        early.start(IMAGE);
        assertEquals(1, replies.starts.get());
        assertEquals(2, replies.sent.size());
        assertTrue(early.started());
        replies.sent.forEach(r -> r.complete(new JsonObject()));
        assertEquals(ImageService.chainIds(DIFF_IDS), early.await(List.of(L1, L2), DIFF_IDS));
    }

    @Test
    void aReportAfterThePullAnsweredStartsNothing() {
        Replies replies = new Replies();
        StreamingExpands early = new StreamingExpands(image -> true, replies);
        assertFalse(early.started());
        early.start(IMAGE);
        assertEquals(0, replies.starts.get(), "the engine expands from the store instead");
    }

    @Test
    void anUnwantedImageIsNotExpandedEarly() {
        Replies replies = new Replies();
        StreamingExpands early = new StreamingExpands(image -> false, replies);
        early.start(IMAGE);
        assertFalse(early.started());
        assertEquals(0, replies.starts.get());
    }

    @Test
    void theFirstFailureBottomFirstIsThrownAfterAllEnded() {
        Replies replies = new Replies();
        StreamingExpands early = new StreamingExpands(image -> true, replies);
        early.start(IMAGE);
        early.started();
        replies.sent.get(1).completeExceptionally(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 400,
                "expand layer " + L2.digest() + ": its content has diff id sha256:ee but the image config promises"));
        replies.sent.get(0).completeExceptionally(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 503,
                "expand layer " + L1.digest() + ": no space left on device"));
        BerthException e = assertThrows(BerthException.class, () -> early.await(List.of(L1, L2), DIFF_IDS));
        assertTrue(e.getMessage().contains(L1.digest().toString()), e.getMessage());
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertEquals(1, e.getSuppressed().length);
    }

    @Test
    void otherLayersInThePullsAnswerMeanExpandFromTheStore() throws Exception {
        Replies replies = new Replies();
        StreamingExpands early = new StreamingExpands(image -> true, replies);
        early.start(IMAGE);
        early.started();
        replies.sent.forEach(r -> r.complete(new JsonObject()));
        assertNull(early.await(List.of(L2, L1), List.of(DIFF_IDS.get(1), DIFF_IDS.get(0))));
    }

    @Test
    void abandonWaitsForTheExpansionsAndKeepsThemQuiet() {
        Replies replies = new Replies();
        StreamingExpands early = new StreamingExpands(image -> true, replies);
        early.start(IMAGE);
        CompletableFuture.runAsync(() -> {
            replies.sent.get(0).completeExceptionally(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 503, "x"));
            replies.sent.get(1).complete(new JsonObject());
        });
        early.abandon(new BerthException(ErrorKind.INVALID, "pull: digest mismatch"));
        assertTrue(replies.sent.stream().allMatch(CompletableFuture::isDone));
        early.start(IMAGE);
        assertEquals(1, replies.starts.get());
    }
}
