package dev.berth.plugin.archive.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.EventDrafts;
import dev.berth.api.event.EventLog;
import dev.berth.api.events.BlobFetched;
import dev.berth.api.image.Descriptor;
import dev.berth.api.plugin.PluginProperties;
import dev.berth.api.stage.ArchiveStage;
import dev.berth.api.stage.LoadedImage;
import dev.berth.api.stage.SaveItem;
import dev.berth.api.stage.StageProgress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The built-in archive stage: loads {@code docker save} and OCI layout tar archives into the content store
 * under {@code <root>/content} (recording one {@code blob.fetched} event with source "archive" per blob kept)
 * and saves stored images as either. Thread-safe: every call works on its own state; the store's commits
 * are atomic renames.
 */
@Component(service = ArchiveStage.class, property = {
    PluginProperties.STAGE + "=" + ArchiveStage.STAGE,
    PluginProperties.KIND + "=stage",
    PluginProperties.ID + "=tar-archive"})
public final class TarArchiveStage implements ArchiveStage {
    /** The {@code source} of the {@code blob.fetched} events this stage records. */
    private static final String SOURCE = "archive";

    private final EventLog log;
    private final BlobStore store;

    /** Opens the content store under the framework property {@code berth.root} (default /var/lib/berth). */
    @Activate
    public TarArchiveStage(BundleContext context, @Reference EventLog log) throws BerthException {
        this(rootOf(context), log);
    }

    /** Works on the content store under {@code root}, recording events in {@code log}. */
    public TarArchiveStage(Path root, EventLog log) throws BerthException {
        this.log = Objects.requireNonNull(log, "log");
        this.store = new BlobStore(root);
    }

    private static Path rootOf(BundleContext context) {
        return PluginProperties.stateRoot(context::getProperty);
    }

    @Override
    public List<LoadedImage> load(Path archive, StageProgress progress) throws BerthException {
        List<CompletableFuture<?>> appends = new ArrayList<>();
        long started = System.nanoTime();
        return new ArchiveLoader(store).load(archive, new ArchiveLoader.Listener() {
            @Override
            public void stored(Descriptor blob, boolean added) {
                progress.update(blob.digest().shortHex(), added ? "verified" : "cached", blob.size(), blob.size());
                long millis = (System.nanoTime() - started) / 1_000_000;
                appends.add(log.append(EventDrafts.of(blob.digest().toString(), new BlobFetched(
                        blob.digest().toString(), blob.mediaType(), blob.size(), SOURCE, "", millis)))
                        .toCompletableFuture());
            }

            @Override
            public void finished() throws BerthException {
                try {
                    CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BerthException(ErrorKind.UNAVAILABLE, "load " + archive + ": record events: "
                            + "interrupted", e);
                } catch (ExecutionException | TimeoutException e) {
                    throw new BerthException(ErrorKind.UNAVAILABLE, "load " + archive + ": record events: "
                            + (e.getCause() != null ? e.getCause().getMessage() : e.toString()), e);
                }
            }
        });
    }

    @Override
    public void save(List<SaveItem> images, Path target, String format, StageProgress progress)
            throws BerthException {
        new ArchiveSaver(store).save(images, target, format,
                blob -> progress.update(blob.digest().shortHex(), "saved", blob.size(), blob.size()));
    }
}
