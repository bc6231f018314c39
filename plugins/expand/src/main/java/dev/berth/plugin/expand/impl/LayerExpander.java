package dev.berth.plugin.expand.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.EventDrafts;
import dev.berth.api.event.EventLog;
import dev.berth.api.events.LayerExpanded;
import dev.berth.api.image.Digest;
import dev.berth.api.stage.ExpandRequest;
import dev.berth.api.stage.ExpandedLayer;
import dev.berth.api.stage.GrowingBlob;
import dev.berth.api.stage.StageProgress;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The expand stage's work, without OSGi: unpacks a layer blob into a snapshot under
 * {@code <root>/snapshots/<chain id>}, once per chain id, and records {@code layer.expanded}. The blob is
 * either complete in the content store, or still growing ({@link GrowingBlob}): then the unpack runs while
 * it downloads, and the snapshot gets its final name only after the bytes read matched the blob's digest
 * and size, the layer's diff id matched, and the pull stored the blob; any failure leaves no snapshot.
 * Thread-safe: expansions of the same chain id are serialised, others run in parallel.
 */
public final class LayerExpander {
    /** By default, how often the snapshot's filesystem is flushed while a layer is unpacked (see {@link Writeback}). */
    public static final long WRITEBACK_MILLIS = 150;

    private final EventLog log;
    private final SnapshotStore snapshots;
    private final Path blobs;
    private final LayerUnpacker unpacker;
    private final long writebackMillis;
    private final ConcurrentHashMap<Digest, Object> locks = new ConcurrentHashMap<>();

    /** An expander for the state under {@code root} (content store and snapshots), recording into {@code log}. */
    public LayerExpander(Path root, EventLog log, LayerUnpacker unpacker) throws BerthException {
        this(root, log, unpacker, WRITEBACK_MILLIS);
    }

    /**
     * An expander that flushes a snapshot's filesystem every {@code writebackMillis} while it unpacks (0: only
     * at the commit).
     */
    public LayerExpander(Path root, EventLog log, LayerUnpacker unpacker, long writebackMillis)
            throws BerthException {
        this.writebackMillis = writebackMillis;
        this.log = log;
        this.snapshots = new SnapshotStore(root);
        this.blobs = root.resolve("content/blobs");
        this.unpacker = unpacker;
    }

    /** The snapshot store this expander writes. */
    public SnapshotStore snapshots() {
        return snapshots;
    }

    /** Expands a layer whose blob is complete in the content store, or finds its snapshot already there. */
    public ExpandedLayer expand(ExpandRequest request, StageProgress progress) throws BerthException {
        synchronized (lock(request.chainId())) {
            Optional<ExpandedLayer> existing = existing(request, progress);
            if (existing.isPresent()) {
                return existing.get();
            }
            return fromStore(request, progress);
        }
    }

    /**
     * Expands a layer while its blob downloads. Should the unpack fail while the blob itself turns out stored
     * and sound (the pull rewrote part of the file under the reader, say), it is expanded once more from the
     * store, which fails again for a layer that is itself bad.
     */
    public ExpandedLayer expand(ExpandRequest request, GrowingBlob blob, StageProgress progress)
            throws BerthException {
        synchronized (lock(request.chainId())) {
            Optional<ExpandedLayer> existing = existing(request, progress);
            if (existing.isPresent()) {
                return existing.get();
            }
            Digest layer = request.layer().digest();
            String item = layer.shortHex();
            progress.update(item, "expanding", 0, request.layer().size());
            try (SnapshotStore.Snapshot snapshot = snapshots.prepare(request.chainId());
                    InputStream growing = blob.open()) {
                VerifyingInputStream verified = new VerifyingInputStream(growing, request.layer());
                UnpackResult result = unpack(request, new ProgressInputStream(verified, progress, item,
                        request.layer().size()), snapshot);
                verified.verify();
                checkDiffId(request, result);
                blob.awaitStored();
                return commit(request, snapshot, result, progress);
            } catch (BerthException | IOException streamed) {
                BerthException failure = streamed instanceof BerthException b ? b
                        : new BerthException(ErrorKind.UNAVAILABLE, "expand layer " + layer + ": read the blob: "
                                + streamed.getMessage(), streamed);
                try {
                    blob.awaitStored();
                } catch (BerthException gone) {
                    // The blob itself failed (mismatch, download given up): that is the cause worth naming.
                    gone.addSuppressed(failure);
                    throw new BerthException(gone.kind(), "expand layer " + layer + ": " + gone.getMessage(), gone);
                }
                if (failure.kind() == ErrorKind.UNAVAILABLE && !(streamed instanceof IOException)) {
                    throw failure; // the local filesystem failed; the blob was not the problem
                }
                try {
                    return fromStore(request, progress);
                } catch (BerthException again) {
                    again.addSuppressed(failure);
                    throw again;
                }
            }
        }
    }

    private Object lock(Digest chainId) {
        return locks.computeIfAbsent(chainId, id -> new Object());
    }

    private Optional<ExpandedLayer> existing(ExpandRequest request, StageProgress progress) {
        Optional<Path> existing = snapshots.lookup(request.chainId());
        if (existing.isPresent()) {
            progress.update(request.layer().digest().shortHex(), "already expanded", request.layer().size(),
                    request.layer().size());
            return Optional.of(new ExpandedLayer(request.chainId(), request.diffId(), existing.get(), 0, 0, 0, true));
        }
        return Optional.empty();
    }

    private ExpandedLayer fromStore(ExpandRequest request, StageProgress progress) throws BerthException {
        Digest layer = request.layer().digest();
        String item = layer.shortHex();
        Path blob = blobs.resolve(layer.algorithm()).resolve(layer.hex());
        if (!Files.isRegularFile(blob)) {
            throw new BerthException(ErrorKind.NOT_FOUND, "expand layer " + layer
                    + ": the blob is not in the content store");
        }
        progress.update(item, "expanding", 0, request.layer().size());
        try (SnapshotStore.Snapshot snapshot = snapshots.prepare(request.chainId());
                InputStream in = new ProgressInputStream(Files.newInputStream(blob), progress, item,
                        request.layer().size())) {
            UnpackResult result = unpack(request, in, snapshot);
            checkDiffId(request, result);
            return commit(request, snapshot, result, progress);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "expand layer " + layer + ": " + e.getMessage(), e);
        }
    }

    private UnpackResult unpack(ExpandRequest request, InputStream in, SnapshotStore.Snapshot snapshot)
            throws BerthException {
        try (Writeback early = writebackMillis > 0 ? new Writeback(snapshot.fs(), writebackMillis) : null) {
            return unpacker.unpack(in, snapshot.fs());
        } catch (BerthException e) {
            throw new BerthException(e.kind(), "expand layer " + request.layer().digest() + ": " + e.getMessage(), e);
        }
    }

    private static void checkDiffId(ExpandRequest request, UnpackResult result) throws BerthException {
        if (!result.diffId().equals(request.diffId())) {
            throw new BerthException(ErrorKind.INVALID, "expand layer " + request.layer().digest()
                    + ": its content has diff id " + result.diffId() + " but the image config promises "
                    + request.diffId());
        }
    }

    private ExpandedLayer commit(ExpandRequest request, SnapshotStore.Snapshot snapshot, UnpackResult result,
            StageProgress progress) throws BerthException {
        Path committed = snapshot.commit(request.parentChainId(), result);
        long millis = result.elapsed().toMillis();
        Digest layer = request.layer().digest();
        record(new LayerExpanded(request.chainId().toString(), result.diffId().toString(), layer.toString(),
                result.entries(), result.bytes(), millis));
        progress.update(layer.shortHex(), "expanded", request.layer().size(), request.layer().size());
        return new ExpandedLayer(request.chainId(), result.diffId(), committed, result.entries(), result.bytes(),
                millis, false);
    }

    private void record(LayerExpanded event) throws BerthException {
        try {
            log.append(EventDrafts.of(event.chainId(), event)).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof BerthException b ? b
                    : new BerthException(ErrorKind.UNAVAILABLE, "record layer.expanded: " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "record layer.expanded: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.UNAVAILABLE, "record layer.expanded: interrupted", e);
        }
    }
}
