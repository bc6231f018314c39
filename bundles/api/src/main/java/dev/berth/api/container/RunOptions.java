package dev.berth.api.container;

import java.util.List;

/**
 * What the user asked for when creating a container, as {@code berth run} and {@code berth create} take
 * it. {@code command} and {@code entrypoint} are null when the image's Cmd and Entrypoint apply (an
 * empty entrypoint list clears the image's); {@code env} holds {@code KEY=VALUE} entries that override
 * the image's; {@code workingDir}, {@code user} and {@code hostname} are null for the image's or the
 * default. {@code runtime} is null for the engine's default runtime. {@code memory} is the memory
 * limit in bytes ({@code -m}), 0 for none. Immutable: lists are copied.
 */
public record RunOptions(List<String> command, List<String> entrypoint, List<String> env, String workingDir,
        String user, String hostname, boolean readOnly, List<VolumeMount> volumes, boolean tty, boolean stdin,
        String runtime, long memory) {
    public RunOptions {
        command = command == null ? null : List.copyOf(command);
        entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
        env = env == null ? List.of() : List.copyOf(env);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
        if (memory < 0) {
            throw new IllegalArgumentException("memory limit " + memory + " is negative");
        }
    }

    /** Options without a memory limit. */
    public RunOptions(List<String> command, List<String> entrypoint, List<String> env, String workingDir,
            String user, String hostname, boolean readOnly, List<VolumeMount> volumes, boolean tty, boolean stdin,
            String runtime) {
        this(command, entrypoint, env, workingDir, user, hostname, readOnly, volumes, tty, stdin, runtime, 0);
    }

    /** Options that take everything from the image. */
    public static RunOptions defaults() {
        return new RunOptions(null, null, List.of(), null, null, null, false, List.of(), false, false, null, 0);
    }
}
