package dev.berth.plugin.archive.impl;

import dev.berth.api.BerthException;
import dev.berth.api.plugin.PluginProperties;
import dev.berth.api.stage.BuildRequest;
import dev.berth.api.stage.CommitStage;
import dev.berth.api.stage.LoadedImage;
import dev.berth.api.stage.StageProgress;
import java.nio.file.Path;
import java.util.Objects;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The built-in commit stage: turns a layer tar into an image in the content store under
 * {@code <root>/content}, on top of a stored image or alone (see {@link ImageBuilder}). It records no
 * events itself: the engine expands the layer and records the image. Thread-safe: every call works on its
 * own state; the store's commits are atomic renames.
 */
@Component(service = CommitStage.class, property = {
    PluginProperties.STAGE + "=" + CommitStage.STAGE,
    PluginProperties.KIND + "=stage",
    PluginProperties.ID + "=tar-commit"})
public final class TarCommitStage implements CommitStage {
    private final ImageBuilder builder;

    /** Opens the content store under the framework property {@code berth.root} (default /var/lib/berth). */
    @Activate
    public TarCommitStage(BundleContext context) throws BerthException {
        this(PluginProperties.stateRoot(context::getProperty));
    }

    /** Works on the content store under {@code root}. */
    public TarCommitStage(Path root) throws BerthException {
        this.builder = new ImageBuilder(new BlobStore(Objects.requireNonNull(root, "root")));
    }

    @Override
    public LoadedImage build(BuildRequest request, StageProgress progress) throws BerthException {
        Objects.requireNonNull(request, "request");
        return builder.build(request, progress == null ? StageProgress.NONE : progress);
    }
}
