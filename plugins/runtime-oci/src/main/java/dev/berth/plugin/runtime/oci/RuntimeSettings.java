package dev.berth.plugin.runtime.oci;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How one {@link OciRuntime} is set up: the runtime's {@code name} (also its {@code berth.runtime} value),
 * its {@code binary} (null: look for {@code /usr/bin/<name>}, {@code /usr/local/bin/<name>}, then
 * {@code PATH}), the engine's {@code stateRoot}, and whether the runtime refuses to run on a hybrid cgroup
 * host whose cgroup2 hierarchy still holds controllers ({@code refusesHybridCgroups}, true for crun 1.x).
 * Immutable.
 */
public record RuntimeSettings(String name, Path binary, Path stateRoot, boolean refusesHybridCgroups) {
    public RuntimeSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(stateRoot, "stateRoot");
        if (!name.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("runtime name must be lowercase letters, digits and '-': " + name);
        }
    }

    /** runc, found on the host, under {@code stateRoot}. */
    public static RuntimeSettings runc(Path stateRoot) {
        return new RuntimeSettings("runc", null, stateRoot, false);
    }

    /** crun, found on the host, under {@code stateRoot}; crun 1.x refuses hybrid cgroup hosts. */
    public static RuntimeSettings crun(Path stateRoot) {
        return new RuntimeSettings("crun", null, stateRoot, true);
    }

    /** The runtime's own {@code --root}: {@code <stateRoot>/runtimes/<name>}. */
    /** These settings with the binary at {@code binary}, or unchanged when it is null or blank. */
    public RuntimeSettings withBinary(String binary) {
        return binary == null || binary.isBlank() ? this
                : new RuntimeSettings(name, Path.of(binary), stateRoot, refusesHybridCgroups);
    }

    public Path runtimeRoot() {
        return stateRoot.resolve("runtimes").resolve(name);
    }
}
