package dev.berth.plugin.runtime.oci;

import dev.berth.api.container.RuntimeInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds a runtime binary, asks it for its version and decides whether it can run containers on this
 * host, saying why not in words. Stateless; thread-safe.
 */
final class RuntimeProbe {
    private static final Pattern VERSION = Pattern.compile("version\\s+(\\S+)");

    private final RuntimeSettings settings;
    private final CgroupHost cgroups;

    RuntimeProbe(RuntimeSettings settings, CgroupHost cgroups) {
        this.settings = settings;
        this.cgroups = cgroups;
    }

    /** The full probe: binary, version, cgroup layout. Runs {@code <binary> --version} once. */
    RuntimeInfo probe() {
        String name = settings.name();
        Optional<Path> binary = locate();
        if (binary.isEmpty()) {
            String where = settings.binary() != null ? "no executable " + settings.binary()
                    : "no executable /usr/bin/" + name + ", /usr/local/bin/" + name + " or " + name + " on PATH";
            return new RuntimeInfo(name, null, null, false, name + " is not installed: " + where
                    + "; install the " + name + " package");
        }
        String path = binary.get().toString();
        String version;
        try {
            Commands.Result r = Commands.run(List.of(path, "--version"), Duration.ofSeconds(10));
            if (r.exitCode() != 0) {
                return new RuntimeInfo(name, path, null, false, path + " --version failed: " + r.message());
            }
            Matcher m = VERSION.matcher(r.stdout());
            version = m.find() ? m.group(1) : r.stdout().lines().findFirst().orElse("unknown");
        } catch (IOException e) {
            return new RuntimeInfo(name, path, null, false, "cannot run " + path + ": " + e.getMessage());
        }
        return withHostCheck(new RuntimeInfo(name, path, version, true, null));
    }

    /** {@code found} re-checked against the host's cgroup layout only (cheap: one small file read). */
    RuntimeInfo withHostCheck(RuntimeInfo found) {
        if (found.path() == null || found.version() == null) {
            return found;
        }
        if (settings.refusesHybridCgroups()) {
            Optional<String> controllers = cgroups.hybridControllers();
            if (controllers.isPresent()) {
                return new RuntimeInfo(found.name(), found.path(), found.version(), false,
                        found.name() + " " + found.version() + " cannot run containers on this hybrid cgroup host: "
                        + "cgroup2 at " + cgroups.unifiedMount() + " still holds controllers ("
                        + controllers.get() + "); mount them as cgroup v1 (see docs) or use runc");
            }
        }
        return new RuntimeInfo(found.name(), found.path(), found.version(), true, null);
    }

    private Optional<Path> locate() {
        return candidates().stream().filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
    }

    private List<Path> candidates() {
        if (settings.binary() != null) {
            return List.of(settings.binary());
        }
        List<Path> out = new ArrayList<>(List.of(Path.of("/usr/bin", settings.name()),
                Path.of("/usr/local/bin", settings.name())));
        String pathVar = System.getenv("PATH");
        if (pathVar != null) {
            for (String dir : pathVar.split(":")) {
                if (!dir.isBlank() && Path.of(dir).isAbsolute()) {
                    Path p = Path.of(dir, settings.name());
                    if (!out.contains(p)) {
                        out.add(p);
                    }
                }
            }
        }
        return out;
    }
}
