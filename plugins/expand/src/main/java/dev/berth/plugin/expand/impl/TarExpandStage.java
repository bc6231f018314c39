package dev.berth.plugin.expand.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.EventDrafts;
import dev.berth.api.event.EventLog;
import dev.berth.api.events.LayerExpanded;
import dev.berth.api.image.Digest;
import dev.berth.api.plugin.PluginProperties;
import dev.berth.api.stage.ExpandRequest;
import dev.berth.api.stage.ExpandStage;
import dev.berth.api.stage.ExpandedLayer;
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
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The built-in expand stage: unpacks a layer blob from the content store with {@link LayerUnpacker} into
 * a snapshot under {@code <root>/snapshots/<chain id>}, once per chain id, and records
 * {@code layer.expanded}. Thread-safe: expansions of the same chain id are serialised, others run in
 * parallel.
 */
@Component(service = ExpandStage.class, property = {
    PluginProperties.STAGE + "=" + ExpandStage.STAGE,
    PluginProperties.KIND + "=stage",
    PluginProperties.ID + "=tar"})
public final class TarExpandStage implements ExpandStage {
    private final EventLog log;
    private final SnapshotStore snapshots;
    private final Path blobs;
    private final LayerUnpacker unpacker = new LayerUnpacker();
    private final ConcurrentHashMap<Digest, Object> locks = new ConcurrentHashMap<>();

    @Activate
    public TarExpandStage(BundleContext context, @Reference EventLog log) throws BerthException {
        Path rootDir = PluginProperties.stateRoot(context::getProperty);
        this.log = log;
        this.snapshots = new SnapshotStore(rootDir);
        this.blobs = rootDir.resolve("content/blobs");
    }

    @Override
    public ExpandedLayer expand(ExpandRequest request, StageProgress progress) throws BerthException {
        Digest chainId = request.chainId();
        String item = request.layer().digest().shortHex();
        synchronized (locks.computeIfAbsent(chainId, id -> new Object())) {
            Optional<Path> existing = snapshots.lookup(chainId);
            if (existing.isPresent()) {
                progress.update(item, "already expanded", request.layer().size(), request.layer().size());
                return new ExpandedLayer(chainId, request.diffId(), existing.get(), 0, 0, 0, true);
            }
            Digest layer = request.layer().digest();
            Path blob = blobs.resolve(layer.algorithm()).resolve(layer.hex());
            if (!Files.isRegularFile(blob)) {
                throw new BerthException(ErrorKind.NOT_FOUND, "expand layer " + layer
                        + ": the blob is not in the content store");
            }
            progress.update(item, "expanding", 0, request.layer().size());
            try (SnapshotStore.Snapshot snapshot = snapshots.prepare(chainId);
                    InputStream in = new ProgressInputStream(Files.newInputStream(blob), progress, item,
                            request.layer().size())) {
                UnpackResult result;
                try {
                    result = unpacker.unpack(in, snapshot.fs());
                } catch (BerthException e) {
                    throw new BerthException(e.kind(), "expand layer " + layer + ": " + e.getMessage(), e);
                }
                if (!result.diffId().equals(request.diffId())) {
                    throw new BerthException(ErrorKind.INVALID, "expand layer " + layer + ": its content has diff id "
                            + result.diffId() + " but the image config promises " + request.diffId());
                }
                Path committed = snapshot.commit(request.parentChainId(), result);
                long millis = result.elapsed().toMillis();
                record(new LayerExpanded(chainId.toString(), result.diffId().toString(), layer.toString(),
                        result.entries(), result.bytes(), millis));
                progress.update(item, "expanded", request.layer().size(), request.layer().size());
                return new ExpandedLayer(chainId, result.diffId(), committed, result.entries(), result.bytes(),
                        millis, false);
            } catch (IOException e) {
                throw new BerthException(ErrorKind.UNAVAILABLE, "expand layer " + layer + ": " + e.getMessage(), e);
            }
        }
    }

    private void record(LayerExpanded event) throws BerthException {
        try {
            log.append(EventDrafts.of(event.chainId(), event)).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof BerthException b ? b
                    : new BerthException(ErrorKind.UNAVAILABLE, "record layer.expanded: " + e.getCause(), e);
        } catch (TimeoutException | InterruptedException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "record layer.expanded: " + e, e);
        }
    }
}
