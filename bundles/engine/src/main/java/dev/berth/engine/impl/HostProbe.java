package dev.berth.engine.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reads host facts from /proc, /sys, /etc and the runtimes' own {@code --version}. The file-system roots
 * are injectable so tests can feed it fake trees. Stateless and thread-safe.
 */
public final class HostProbe {
    private final Path proc;
    private final Path sys;
    private final Path etc;
    private final List<Path> searchPath;

    /** A probe of the real host. */
    public HostProbe() {
        this(Path.of("/proc"), Path.of("/sys"), Path.of("/etc"), defaultSearchPath());
    }

    public HostProbe(Path proc, Path sys, Path etc, List<Path> searchPath) {
        this.proc = proc;
        this.sys = sys;
        this.etc = etc;
        this.searchPath = List.copyOf(searchPath);
    }

    /** Probes everything; never throws for a missing file, which reads as "absent". */
    public HostFacts probe() {
        HostFacts.Cgroups cgroups = cgroups();
        return new HostFacts(kernel(), osName(), cgroups,
                overlayfs(), selinux(), userNamespaces(),
                List.of(runtime("runc", cgroups), runtime("crun", cgroups)));
    }

    /** The kernel's release, as {@code uname -r} prints it; "unknown" when it cannot be read. */
    public String kernel() {
        return read(proc.resolve("sys/kernel/osrelease")).orElse("unknown");
    }

    /** Classifies the cgroup mounts in /proc/self/mountinfo. */
    public HostFacts.Cgroups cgroups() {
        List<String> lines = lines(proc.resolve("self/mountinfo"));
        String unified = null;
        boolean v1 = false;
        for (String line : lines) {
            // mountinfo: ... mount-point ... - fstype source options
            String[] halves = line.split(" - ", 2);
            if (halves.length < 2) {
                continue;
            }
            String[] left = halves[0].split(" ");
            String[] right = halves[1].split(" ");
            if (left.length < 5 || right.length < 1) {
                continue;
            }
            String mountPoint = left[4];
            if (right[0].equals("cgroup2") && unified == null) {
                unified = mountPoint;
            } else if (right[0].equals("cgroup")) {
                v1 = true;
            }
        }
        if (unified == null) {
            return new HostFacts.Cgroups(v1 ? "v1" : "none", null, List.of());
        }
        List<String> controllers = read(sysPath(unified).resolve("cgroup.controllers"))
                .map(s -> s.isBlank() ? List.<String>of() : Arrays.asList(s.trim().split("\\s+")))
                .orElse(List.of());
        return new HostFacts.Cgroups(v1 ? "hybrid" : "v2", unified, controllers);
    }

    private Path sysPath(String mountPoint) {
        // Mount points are absolute host paths under /sys; map them into the injected sys root.
        if (mountPoint.startsWith("/sys/")) {
            return sys.resolve(mountPoint.substring("/sys/".length()));
        }
        return Path.of(mountPoint);
    }

    boolean overlayfs() {
        return lines(proc.resolve("filesystems")).stream().anyMatch(l -> l.trim().endsWith("overlay"))
                || Files.isDirectory(sys.resolve("module/overlay"));
    }

    String selinux() {
        return read(sys.resolve("fs/selinux/enforce"))
                .map(v -> v.trim().equals("1") ? "enforcing" : "permissive")
                .orElse("disabled");
    }

    HostFacts.UserNamespaces userNamespaces() {
        long max = read(proc.resolve("sys/user/max_user_namespaces")).map(String::trim).map(HostProbe::parseLong)
                .orElse(0L);
        return new HostFacts.UserNamespaces(max > 0, max);
    }

    String osName() {
        for (String line : lines(etc.resolve("os-release"))) {
            if (line.startsWith("PRETTY_NAME=")) {
                return line.substring("PRETTY_NAME=".length()).replace("\"", "");
            }
        }
        return "unknown";
    }

    HostFacts.Runtime runtime(String name, HostFacts.Cgroups cgroups) {
        Optional<Path> binary = searchPath.stream().map(dir -> dir.resolve(name)).filter(Files::isExecutable)
                .findFirst();
        if (binary.isEmpty()) {
            return new HostFacts.Runtime(name, null, null, false,
                    name + " is not installed (install the Debian package " + name + ")");
        }
        String path = binary.get().toString();
        String version;
        try {
            version = versionOf(binary.get());
        } catch (IOException e) {
            return new HostFacts.Runtime(name, path, null, false, name + " --version failed: " + e.getMessage());
        }
        if (name.equals("crun") && cgroups.mode().equals("hybrid") && !cgroups.unifiedControllers().isEmpty()) {
            return new HostFacts.Runtime(name, path, version, false,
                    "crun refuses cgroup hybrid mode while controllers are enabled on cgroup2 ("
                            + cgroups.unifiedMount() + "/cgroup.controllers: "
                            + String.join(" ", cgroups.unifiedControllers())
                            + "); mount them as v1 hierarchies to use crun, e.g. mkdir -p /sys/fs/cgroup/"
                            + cgroups.unifiedControllers().get(0) + " && mount -t cgroup -o "
                            + cgroups.unifiedControllers().get(0) + " cgroup /sys/fs/cgroup/"
                            + cgroups.unifiedControllers().get(0));
        }
        return new HostFacts.Runtime(name, path, version, true, null);
    }

    /** Runs {@code binary --version} and returns the version word of its first line. */
    static String versionOf(Path binary) throws IOException {
        Process process = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
        try (InputStream out = process.getInputStream()) {
            byte[] bytes = out.readNBytes(4096);
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("timed out");
            }
            if (process.exitValue() != 0) {
                throw new IOException("exit status " + process.exitValue());
            }
            String first = new String(bytes, StandardCharsets.UTF_8).lines().findFirst().orElse("");
            // "runc version 1.1.5" / "crun version 1.8.1"
            String[] words = first.trim().split("\\s+");
            return words.length == 0 ? first : words[words.length - 1];
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted", e);
        }
    }

    private static List<Path> defaultSearchPath() {
        Set<Path> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty()) {
                    dirs.add(Path.of(dir));
                }
            }
        }
        for (String dir : List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
            dirs.add(Path.of(dir));
        }
        return new ArrayList<>(dirs);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file).trim());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
