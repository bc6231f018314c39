package dev.berth.api.container;

import java.util.List;
import java.util.Objects;

/**
 * Run one more process inside a running container's namespaces and cgroup. {@code user} is a numeric
 * {@code uid[:gid]} already resolved by the engine (null: the container's), {@code env} is the full
 * environment and {@code workingDir} absolute (null: the container's). {@code stateDir} is this exec's
 * own folder (attach socket, exit file). When {@code waitForAttach} is set the process starts only once a
 * client attached, so no output is lost. Immutable.
 */
public record ExecRequest(String containerId, String execId, List<String> args, List<String> env,
        String workingDir, String user, boolean tty, boolean stdin, String stateDir, boolean waitForAttach) {
    public ExecRequest {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(execId, "execId");
        args = List.copyOf(args);
        env = env == null ? List.of() : List.copyOf(env);
        Objects.requireNonNull(stateDir, "stateDir");
    }
}
