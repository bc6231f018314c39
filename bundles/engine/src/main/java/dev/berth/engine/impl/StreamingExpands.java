package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.stage.PulledImage;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The expansions one pull starts while its layers still download: started once, when the pull stage
 * reports the image early, and awaited when the pull has answered. Once the pull has answered, a late
 * report starts nothing (the engine then expands from the store, as without a streaming pull stage).
 * Thread-safe.
 */
final class StreamingExpands {
    /** Sends the expand requests of an image's layers; answers their pending replies, bottom layer first. */
    @FunctionalInterface
    interface Starter {
        List<CompletableFuture<JsonObject>> start(List<Descriptor> layers, List<Digest> diffIds);
    }

    private final Predicate<PulledImage> wanted;
    private final Starter starter;
    private final long timeoutMillis;
    private PulledImage image;
    private List<CompletableFuture<JsonObject>> replies;
    private boolean closed;

    /**
     * @param wanted  whether an image reported early may be expanded at once (not one of a refused platform)
     * @param timeoutMillis how long {@link #await} waits for each expansion at most
     */
    StreamingExpands(Predicate<PulledImage> wanted, Starter starter, long timeoutMillis) {
        this.wanted = wanted;
        this.starter = starter;
        this.timeoutMillis = timeoutMillis;
    }

    /** The pull stage knows the image: starts expanding every layer, unless too late or unwanted. */
    synchronized void start(PulledImage reported) {
        if (closed || replies != null || !wanted.test(reported)) {
            return;
        }
        image = reported;
        replies = starter.start(reported.layers(), reported.diffIds());
    }

    /** The pull answered: whether expansions were started; none can start after this. */
    synchronized boolean started() {
        closed = true;
        return replies != null;
    }

    /**
     * Waits for every expansion started and answers the chain ids, or null when the pull's answer names other
     * layers than it reported early (the caller then expands those from the store). All of them end before
     * this returns, so none is still writing when the pull is recorded or failed.
     *
     * @throws BerthException the first failure, bottom layer first
     */
    List<String> await(List<Descriptor> layers, List<Digest> diffIds) throws BerthException {
        List<CompletableFuture<JsonObject>> pending;
        PulledImage reported;
        synchronized (this) {
            closed = true;
            pending = replies;
            reported = image;
        }
        BerthException first = null;
        for (CompletableFuture<JsonObject> reply : pending) {
            try {
                reply.get(timeoutMillis + 5_000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                BerthException failure = BusCalls.failure("expand stage", e.getCause());
                if (first == null) {
                    first = failure;
                } else {
                    first.addSuppressed(failure);
                }
            } catch (TimeoutException e) {
                if (first == null) {
                    first = new BerthException(ErrorKind.UNAVAILABLE, "expand stage did not answer in "
                            + timeoutMillis / 1000 + " s", e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BerthException(ErrorKind.UNAVAILABLE, "expand stage: interrupted", e);
            }
        }
        if (first != null) {
            throw first;
        }
        if (!reported.layers().equals(layers) || !reported.diffIds().equals(diffIds)) {
            return null;
        }
        return ImageService.chainIds(diffIds);
    }

    /** The pull failed: stops any start and waits for the expansions under way to end, keeping their failures quiet. */
    void abandon(BerthException pullFailure) {
        List<CompletableFuture<JsonObject>> pending;
        synchronized (this) {
            closed = true;
            pending = replies;
        }
        if (pending == null) {
            return;
        }
        // Their blobs fail with the pull, so they end soon; each one's error is the pull's, told already.
        for (CompletableFuture<JsonObject> reply : pending) {
            try {
                reply.get(timeoutMillis + 5_000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // Quiet: the pull's failure is the one to report.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
