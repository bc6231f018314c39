package dev.berth.plugin.spec.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.VolumeMount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A container's mounts, Docker-like: the kernel filesystems every container gets, then the bundle's
 * {@code hostname}, {@code hosts} and {@code resolv.conf} bound over {@code /etc}, then the volumes,
 * parents before children. A volume whose target is one of the defaults replaces it, as in Docker.
 * Stateless.
 */
final class MountPlan {
    /** Docker's default mounts, in mount order. */
    static final List<MountEntry> DEFAULTS = List.of(
            new MountEntry("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")),
            new MountEntry("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
            new MountEntry("/dev/pts", "devpts", "devpts",
                    List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
            new MountEntry("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")),
            new MountEntry("/sys/fs/cgroup", "cgroup", "cgroup", List.of("ro", "nosuid", "noexec", "nodev", "relatime")),
            new MountEntry("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
            new MountEntry("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));

    /** The bundle files bound into {@code /etc}: file name in the bundle, then target. */
    static final Map<String, String> ETC_FILES = Map.of(
            "hostname", "/etc/hostname", "hosts", "/etc/hosts", "resolv.conf", "/etc/resolv.conf");
    private static final List<String> ETC_ORDER = List.of("hostname", "hosts", "resolv.conf");

    private MountPlan() {
    }

    /**
     * Every mount for a bundle in {@code bundleDir}; volume problems are INVALID errors naming the
     * volume, replaced defaults are added to {@code decisions}.
     */
    static List<MountEntry> plan(Path bundleDir, List<VolumeMount> volumes, List<String> decisions)
            throws BerthException {
        List<MountEntry> binds = new ArrayList<>();
        Set<String> targets = new HashSet<>();
        for (VolumeMount volume : volumes) {
            MountEntry bind = checked(volume);
            if (!targets.add(bind.destination())) {
                throw new BerthException(ErrorKind.INVALID, "invalid volume: duplicate mount point " + bind.destination());
            }
            binds.add(bind);
        }
        binds.sort(Comparator.comparingInt(m -> depth(m.destination())));

        List<MountEntry> mounts = new ArrayList<>();
        for (MountEntry mount : DEFAULTS) {
            if (targets.contains(mount.destination())) {
                decisions.add("volume at " + mount.destination() + " replaces the default " + mount.type() + " mount");
            } else {
                mounts.add(mount);
            }
        }
        for (String file : ETC_ORDER) {
            String target = ETC_FILES.get(file);
            if (targets.contains(target)) {
                decisions.add("volume at " + target + " replaces the engine's " + file + " file");
            } else {
                mounts.add(MountEntry.bind(bundleDir.resolve(file).toString(), target, false));
            }
        }
        mounts.addAll(binds);
        return List.copyOf(mounts);
    }

    private static MountEntry checked(VolumeMount volume) throws BerthException {
        String source = volume.source();
        String target = volume.target();
        if (!source.startsWith("/")) {
            throw new BerthException(ErrorKind.INVALID, "invalid volume: source path \"" + source
                    + "\" is not absolute (named volumes are not supported)");
        }
        if (!target.startsWith("/")) {
            throw new BerthException(ErrorKind.INVALID, "invalid volume: target path \"" + target
                    + "\" is not absolute");
        }
        String cleanTarget = ContainerPaths.clean(target);
        if (cleanTarget.equals("/")) {
            throw new BerthException(ErrorKind.INVALID, "invalid volume: target path \"" + target
                    + "\" is the container's root");
        }
        if (source.indexOf('\0') >= 0 || target.indexOf('\0') >= 0) {
            throw new BerthException(ErrorKind.INVALID, "invalid volume: a path contains a NUL byte");
        }
        Path sourcePath = Path.of(source).normalize();
        if (!Files.exists(sourcePath)) {
            throw new BerthException(ErrorKind.INVALID, "invalid volume: source path \"" + source
                    + "\" does not exist");
        }
        return MountEntry.bind(sourcePath.toString(), cleanTarget, volume.readOnly());
    }

    private static int depth(String path) {
        return (int) path.chars().filter(c -> c == '/').count();
    }
}
