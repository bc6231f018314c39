package dev.berth.api.container;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the user asked for when creating a container, as {@code berth run} and {@code berth create} take
 * it. {@code command} and {@code entrypoint} are null when the image's Cmd and Entrypoint apply (an
 * empty entrypoint list clears the image's); {@code env} holds {@code KEY=VALUE} entries that override
 * the image's; {@code workingDir}, {@code user} and {@code hostname} are null for the image's or the
 * default. {@code runtime} is null for the engine's default runtime. {@code isolation} holds the options
 * the isolation modules read, by long flag name, each with its values in the order given
 * ({@code "memory" -> ["64m"]}, {@code "cap-add" -> ["NET_ADMIN", "SYS_TIME"]}), including
 * {@code isolation-module} and {@code no-isolation-module}, which choose the modules. Immutable: lists and
 * maps are copied.
 */
public record RunOptions(List<String> command, List<String> entrypoint, List<String> env, String workingDir,
        String user, String hostname, boolean readOnly, List<VolumeMount> volumes, boolean tty, boolean stdin,
        String runtime, Map<String, List<String>> isolation) {
    /** The option naming modules to run that are off by default, or to run only these ({@code --isolation-module}). */
    public static final String MODULE_ON = "isolation-module";
    /** The option naming modules not to run ({@code --no-isolation-module}). */
    public static final String MODULE_OFF = "no-isolation-module";

    public RunOptions {
        command = command == null ? null : List.copyOf(command);
        entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
        env = env == null ? List.of() : List.copyOf(env);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
        TreeMap<String, List<String>> copy = new TreeMap<>();
        if (isolation != null) {
            isolation.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "isolation option"), List.copyOf(v)));
        }
        isolation = Collections.unmodifiableMap(copy);
    }

    /** Options without isolation options. */
    public RunOptions(List<String> command, List<String> entrypoint, List<String> env, String workingDir,
            String user, String hostname, boolean readOnly, List<VolumeMount> volumes, boolean tty, boolean stdin,
            String runtime) {
        this(command, entrypoint, env, workingDir, user, hostname, readOnly, volumes, tty, stdin, runtime, Map.of());
    }

    /** Options that take everything from the image. */
    public static RunOptions defaults() {
        return new RunOptions(null, null, List.of(), null, null, null, false, List.of(), false, false, null, Map.of());
    }

    /** These options with {@code isolation} instead of the present isolation options. */
    public RunOptions withIsolation(Map<String, List<String>> isolation) {
        return new RunOptions(command, entrypoint, env, workingDir, user, hostname, readOnly, volumes, tty, stdin,
                runtime, isolation);
    }
}
