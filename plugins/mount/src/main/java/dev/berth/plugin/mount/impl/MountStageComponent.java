package dev.berth.plugin.mount.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.FileChange;
import dev.berth.api.container.LayerTar;
import dev.berth.api.container.MountStage;
import dev.berth.api.container.MountedRootfs;
import dev.berth.api.plugin.PluginProperties;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The built-in mount stage: gives containers root filesystems under {@code <root>/mounts}, with
 * overlayfs where it works and by copying layers where it does not. The choice is made once, at
 * activation: framework property {@value #SNAPSHOTTER_PROPERTY} ({@code overlay} or {@code copy}) forces
 * one; otherwise a probe mounts a tiny overlay and overlay is used if that works. Thread-safe; the work
 * is done by {@link RootfsStore}.
 */
@Component(service = MountStage.class, property = {
    PluginProperties.STAGE + "=" + MountStage.STAGE,
    PluginProperties.KIND + "=stage",
    PluginProperties.ID + "=snapshotter"})
public final class MountStageComponent implements MountStage {
    /** Framework property forcing the snapshotter: {@code overlay} or {@code copy}. */
    public static final String SNAPSHOTTER_PROPERTY = "berth.snapshotter";

    private final MountStage store;

    /** Activates under the state root of {@link PluginProperties#stateRoot}. */
    @Activate
    public MountStageComponent(BundleContext context) throws BerthException {
        this(context::getProperty);
    }

    /** Activates with framework properties read through {@code frameworkProperty} (tests). */
    MountStageComponent(UnaryOperator<String> frameworkProperty) throws BerthException {
        Path root = PluginProperties.stateRoot(frameworkProperty);
        this.store = new RootfsStore(root, choose(root, frameworkProperty.apply(SNAPSHOTTER_PROPERTY)));
    }

    /** The snapshotter {@code forced} names, or overlay if a probe under {@code root} works, else copy. */
    static Snapshotter choose(Path root, String forced) throws BerthException {
        String kind = forced == null ? "" : forced.strip();
        switch (kind) {
            case OverlaySnapshotter.KIND:
                return new OverlaySnapshotter();
            case CopySnapshotter.KIND:
                return new CopySnapshotter();
            case "":
                Optional<String> failure = OverlayProbe.run(RootfsStore.mountsDir(root));
                return failure.isEmpty() ? new OverlaySnapshotter() : new CopySnapshotter();
            default:
                throw new BerthException(ErrorKind.INVALID, "start the mount stage: framework property "
                        + SNAPSHOTTER_PROPERTY + " is \"" + forced + "\"; it must be overlay or copy");
        }
    }

    @Override
    public String snapshotter() {
        return store.snapshotter();
    }

    @Override
    public MountedRootfs mount(String containerId, List<String> layers) throws BerthException {
        return store.mount(containerId, layers);
    }

    @Override
    public void unmount(String containerId) throws BerthException {
        store.unmount(containerId);
    }

    @Override
    public void remove(String containerId) throws BerthException {
        store.remove(containerId);
    }

    @Override
    public List<MountedRootfs> list() throws BerthException {
        return store.list();
    }

    @Override
    public List<FileChange> changes(String containerId, List<String> layers) throws BerthException {
        return store.changes(containerId, layers);
    }

    @Override
    public LayerTar writeChanges(String containerId, List<String> layers, Path target) throws BerthException {
        return store.writeChanges(containerId, layers, target);
    }

    @Override
    public LayerTar export(String containerId, List<String> layers, Path target) throws BerthException {
        return store.export(containerId, layers, target);
    }
}
