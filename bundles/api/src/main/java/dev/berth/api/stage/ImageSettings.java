package dev.berth.api.stage;

import java.util.List;
import java.util.Map;

/**
 * The run settings an image config carries, as a container had them: command, entrypoint, environment,
 * working directory, user and labels. A null field leaves the base image's value. Immutable.
 */
public record ImageSettings(List<String> cmd, List<String> entrypoint, List<String> env, String workingDir,
        String user, Map<String, String> labels) {
    public ImageSettings {
        cmd = cmd == null ? null : List.copyOf(cmd);
        entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
        env = env == null ? null : List.copyOf(env);
        labels = labels == null ? null : Map.copyOf(labels);
    }
}
