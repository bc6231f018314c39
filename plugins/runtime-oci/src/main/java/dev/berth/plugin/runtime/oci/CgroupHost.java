package dev.berth.plugin.runtime.oci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads the host's cgroup layout: whether it is a hybrid (v1 + v2) host whose cgroup2 hierarchy still
 * holds controllers, and a container cgroup's OOM-kill counter on v1 ({@code memory.oom_control}) or v2
 * ({@code memory.events}). Stateless reads of small files; thread-safe.
 */
final class CgroupHost {
    private final Path root;

    CgroupHost(Path root) {
        this.root = root;
    }

    /** The host's cgroup file system at {@code /sys/fs/cgroup}. */
    static CgroupHost system() {
        return new CgroupHost(Path.of("/sys/fs/cgroup"));
    }

    /** True when {@code /sys/fs/cgroup} itself is a cgroup2 mount (a pure v2 host). */
    boolean pureV2() {
        return Files.isRegularFile(root.resolve("cgroup.controllers"));
    }

    /** The cgroup2 mount: the root on a pure v2 host, {@code unified/} on a hybrid one, else empty. */
    Optional<Path> v2Mount() {
        if (pureV2()) {
            return Optional.of(root);
        }
        Path unified = root.resolve("unified");
        return Files.isRegularFile(unified.resolve("cgroup.controllers")) ? Optional.of(unified) : Optional.empty();
    }

    /**
     * On a hybrid host, the controllers the cgroup2 hierarchy at {@code unified/} still holds
     * (space-separated, e.g. {@code hugetlb}); empty on pure v1 or v2 hosts or when it holds none.
     */
    Optional<String> hybridControllers() {
        if (pureV2()) {
            return Optional.empty();
        }
        Path controllers = root.resolve("unified").resolve("cgroup.controllers");
        try {
            String text = Files.readString(controllers, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? Optional.empty() : Optional.of(text);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Where {@link #hybridControllers()} looked. */
    Path unifiedMount() {
        return root.resolve("unified");
    }

    /**
     * The OOM-kill count of the cgroup at {@code cgroupsPath} (absolute, as in config.json), from the v1
     * memory controller or else the cgroup2 {@code memory.events}; empty when neither file exists (no
     * such cgroup any more, or no memory controller).
     */
    Optional<Long> oomKills(String cgroupsPath) {
        String relative = cgroupsPath.replaceFirst("^/+", "");
        if (relative.isEmpty() || relative.contains("..")) {
            return Optional.empty();
        }
        Optional<Long> v1 = counter(root.resolve("memory").resolve(relative).resolve("memory.oom_control"));
        if (v1.isPresent()) {
            return v1;
        }
        return v2Mount().flatMap(m -> counter(m.resolve(relative).resolve("memory.events")));
    }

    /**
     * The file {@link #oomKills} would read for the cgroup at {@code cgroupsPath}, decided before the cgroup
     * exists: the v1 memory controller's {@code memory.oom_control} when that hierarchy is mounted, else the
     * cgroup2 {@code memory.events}; empty for a path that leaves the hierarchy, or with no memory controller.
     */
    Optional<Path> oomCounterFile(String cgroupsPath) {
        String relative = cgroupsPath.replaceFirst("^/+", "");
        if (relative.isEmpty() || relative.contains("..")) {
            return Optional.empty();
        }
        Path v1 = root.resolve("memory");
        if (Files.exists(v1.resolve("memory.oom_control"))) {
            return Optional.of(v1.resolve(relative).resolve("memory.oom_control"));
        }
        return v2Mount().filter(CgroupHost::holdsMemory).map(m -> m.resolve(relative).resolve("memory.events"));
    }

    private static boolean holdsMemory(Path v2) {
        try {
            return List.of(Files.readString(v2.resolve("cgroup.controllers"), StandardCharsets.UTF_8).strip()
                    .split("\\s+")).contains("memory");
        } catch (IOException e) {
            return false;
        }
    }

    private static Optional<Long> counter(Path file) {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 2 && parts[0].equals("oom_kill")) {
                    return Optional.of(Long.parseLong(parts[1]));
                }
            }
            return Optional.of(0L);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
