package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.Digest;
import dev.berth.api.stage.PulledImage;
import java.util.List;
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
        List<BusCalls.Reply> start(List<Descriptor> layers, List<Digest> diffIds);
    }

    private final Predicate<PulledImage> wanted;
    private final Starter starter;
    private PulledImage image;
    private List<BusCalls.Reply> replies;
    private boolean closed;

    /**
     * @param wanted  whether an image reported early may be expanded at once (not one of a refused platform)
     * @param starter sends the requests; each reply carries how long it may take
     */
    StreamingExpands(Predicate<PulledImage> wanted, Starter starter) {
        this.wanted = wanted;
        this.starter = starter;
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
        List<BusCalls.Reply> pending;
        PulledImage reported;
        synchronized (this) {
            closed = true;
            pending = replies;
            reported = image;
        }
        BerthException first = null;
        for (BusCalls.Reply reply : pending) {
            try {
                reply.await();
            } catch (BerthException failure) {
                if (Thread.currentThread().isInterrupted()) {
                    throw failure;
                }
                if (first == null) {
                    first = failure;
                } else {
                    first.addSuppressed(failure);
                }
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
        List<BusCalls.Reply> pending;
        synchronized (this) {
            closed = true;
            pending = replies;
        }
        if (pending == null) {
            return;
        }
        // Their blobs fail with the pull, so they end soon; each one's error is the pull's, told already.
        for (BusCalls.Reply reply : pending) {
            try {
                reply.await();
            } catch (BerthException quiet) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
            }
        }
    }
}
