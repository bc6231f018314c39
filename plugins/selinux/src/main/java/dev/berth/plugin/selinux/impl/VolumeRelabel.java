package dev.berth.plugin.selinux.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One volume the user asked to relabel: its {@code host} path (normalized, and with symlinks resolved when
 * it exists), whether the label is {@code shared} ({@code ,z}: container_file_t at s0, usable by every
 * container) or private ({@code ,Z}: the container's own mount label), and the option as {@code given}.
 * Immutable.
 */
record VolumeRelabel(Path host, boolean shared, String given) {
    /**
     * Host paths never relabelled: relabelling them would break the host (Podman refuses the same kind of
     * list). Each is refused exactly; {@link #SYSTEM_TREES} are refused with everything under them.
     */
    static final Set<String> SYSTEM_PATHS = Set.of("/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32",
            "/lib64", "/libx32", "/media", "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp",
            "/usr", "/var", "/var/cache", "/var/lib", "/var/log", "/var/run", "/var/spool", "/var/tmp", "/etc/passwd",
            "/etc/shadow", "/etc/group", "/etc/pki", "/etc/ssl");
    /** Trees refused with every path inside them. */
    static final List<String> SYSTEM_TREES = List.of("/usr", "/boot", "/proc", "/sys", "/dev", "/etc/selinux");

    /**
     * The volumes among {@code volumes} (the spec stage's {@code HOST:CTR:ro|rw[,z|,Z]} strings) that ask for
     * relabelling, in order; INVALID naming the volume for a relative host path, both {@code z} and
     * {@code Z}, or a system path.
     */
    static List<VolumeRelabel> parse(List<String> volumes) throws BerthException {
        List<VolumeRelabel> relabels = new ArrayList<>();
        for (String volume : volumes) {
            int modeCut = volume.lastIndexOf(':');
            if (modeCut < 0) {
                continue; // no mode part: nothing asks for a relabel, and the spec stage owns the volume's syntax
            }
            Set<String> mode = Set.of(volume.substring(modeCut + 1).split(",", -1));
            boolean shared = mode.contains("z");
            boolean own = mode.contains("Z");
            if (!shared && !own) {
                continue;
            }
            if (shared && own) {
                throw invalid(volume, "give z (shared) or Z (private), not both");
            }
            int targetCut = volume.lastIndexOf(':', modeCut - 1);
            if (targetCut <= 0) {
                throw invalid(volume, "expected HOST:CONTAINER:MODE");
            }
            String hostText = volume.substring(0, targetCut);
            if (!hostText.startsWith("/")) {
                throw invalid(volume, "the host path " + hostText + " is not absolute, so it cannot be relabelled");
            }
            Path host = Path.of(hostText).normalize();
            refuseSystemPath(volume, host);
            if (Files.exists(host)) {
                try {
                    Path real = host.toRealPath();
                    refuseSystemPath(volume, real);
                    host = real;
                } catch (IOException e) {
                    throw new BerthException(ErrorKind.UNAVAILABLE, "--volume " + LabelOptions.printable(volume)
                            + ": resolve " + host + ": " + e.getMessage(), e);
                }
            }
            relabels.add(new VolumeRelabel(host, shared, volume));
        }
        return List.copyOf(relabels);
    }

    private static void refuseSystemPath(String volume, Path path) throws BerthException {
        String text = path.toString();
        boolean home = path.getParent() != null && path.getParent().toString().equals("/home");
        boolean inTree = SYSTEM_TREES.stream().anyMatch(tree -> text.equals(tree) || text.startsWith(tree + "/"));
        if (SYSTEM_PATHS.contains(text) || inTree || home) {
            throw invalid(volume, "relabelling the system path " + text
                    + " is refused: it would change the host's own SELinux labels; mount a directory of its own instead");
        }
    }

    private static BerthException invalid(String volume, String why) {
        return new BerthException(ErrorKind.INVALID, "--volume " + LabelOptions.printable(volume) + ": " + why);
    }
}
