package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * A container's process ended: exit code (-1 when unknown), the signal that ended it or 0, whether the OOM
 * killer acted in its cgroup, when (null when unknown), and a reason when the engine did not see the exit
 * itself ("exit code unknown, engine was down"), else null. Subject: the container id.
 */
@EventType(name = "container.exited", version = 1)
public record ContainerExited(int exitCode, int signal, boolean oomKilled, String finishedAt, String reason) {
}
