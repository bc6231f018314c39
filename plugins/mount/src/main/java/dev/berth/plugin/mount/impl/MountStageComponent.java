package dev.berth.plugin.mount.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.FileChange;
import dev.berth.api.container.LayerTar;
import dev.berth.api.container.MountStage;
import dev.berth.api.container.MountedRootfs;
import dev.berth.api.plugin.BundledExecutable;
import dev.berth.api.plugin.PluginProperties;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The built-in mount stage: gives containers root filesystems under {@code <root>/mounts}, with
 * overlayfs where it works and by copying layers where it does not. The choice is made once, at
 * activation: framework property {@value #SNAPSHOTTER_PROPERTY} ({@code overlay} or {@code copy}) forces
 * one; otherwise a probe mounts a tiny overlay and overlay is used if that works. Thread-safe; the work
 * is done by {@link RootfsStore}. Mounts and unmounts go through {@link MountHelper}, one helper process
 * put under {@code <root>/bin} and ended at deactivation; when it cannot be put there, through mount(8)
 * and umount(8).
 */
@Component(service = MountStage.class, property = {
    PluginProperties.STAGE + "=" + MountStage.STAGE,
    PluginProperties.KIND + "=stage",
    PluginProperties.ID + "=snapshotter"})
public final class MountStageComponent implements MountStage {
    /** Framework property forcing the snapshotter: {@code overlay} or {@code copy}. */
    public static final String SNAPSHOTTER_PROPERTY = "berth.snapshotter";

    private static final Logger LOG = System.getLogger(MountStageComponent.class.getName());
    /** How long one mount or unmount may take before its helper is killed (as long as mount(8) got). */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    private final MountStage store;
    /** Null when the helper could not be put on disk. */
    private final MountHelper helper;

    /** Activates under the state root of {@link PluginProperties#stateRoot}. */
    @Activate
    public MountStageComponent(BundleContext context) throws BerthException {
        this(context::getProperty);
    }

    /** Activates with framework properties read through {@code frameworkProperty} (tests). */
    MountStageComponent(UnaryOperator<String> frameworkProperty) throws BerthException {
        Path root = PluginProperties.stateRoot(frameworkProperty);
        this.helper = startHelper(root);
        Mounts mounts = helper == null ? Mounts.byCommands() : new Mounts(helper);
        try {
            this.store = new RootfsStore(root, choose(root, frameworkProperty.apply(SNAPSHOTTER_PROPERTY), mounts),
                    mounts);
        } catch (BerthException | RuntimeException e) {
            deactivate();
            throw e;
        }
    }

    /** Ends the mount helper; mounts already made stay (containers keep running across a plugin swap). */
    @Deactivate
    void deactivate() {
        if (helper != null) {
            helper.close();
        }
    }

    /** The helper's process id while it runs, else -1 (tests). */
    long helperPid() {
        return helper == null ? -1 : helper.pid();
    }

    private static MountHelper startHelper(Path root) {
        try {
            Path executable = BundledExecutable.extract(MountHelper.class, MountHelper.RESOURCE,
                    root.toAbsolutePath().resolve("bin"));
            return new MountHelper(executable, CALL_TIMEOUT);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "the mount stage mounts through mount(8) and umount(8), a process per call: "
                    + "cannot put " + MountHelper.RESOURCE + " under " + root.resolve("bin") + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * The snapshotter {@code forced} names, or overlay if a probe under {@code root} works, else copy;
     * mounting through {@code mounts}.
     */
    static Snapshotter choose(Path root, String forced, Mounts mounts) throws BerthException {
        String kind = forced == null ? "" : forced.strip();
        switch (kind) {
            case OverlaySnapshotter.KIND:
                return new OverlaySnapshotter(mounts);
            case CopySnapshotter.KIND:
                return new CopySnapshotter();
            case "":
                Optional<String> failure = OverlayProbe.run(RootfsStore.mountsDir(root), mounts);
                return failure.isEmpty() ? new OverlaySnapshotter(mounts) : new CopySnapshotter();
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
        return store.mount(containerId, layers, false);
    }

    @Override
    public MountedRootfs mount(String containerId, List<String> layers, boolean scratch) throws BerthException {
        return store.mount(containerId, layers, scratch);
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
