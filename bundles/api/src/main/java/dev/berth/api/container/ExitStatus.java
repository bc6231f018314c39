package dev.berth.api.container;

/**
 * How a container's process ended: {@code exitCode} as a shell shows it (128+signal when killed by a
 * signal; -1 when unknown), the {@code signal} number or 0, whether the kernel's OOM killer acted in the
 * container's cgroup ({@code oomKilled}), when it ended ({@code finishedAt}, RFC 3339, or null when
 * unknown), and a {@code reason} when the engine could not observe the exit itself (e.g. "exit code
 * unknown, engine was down"), else null. Immutable.
 */
public record ExitStatus(int exitCode, int signal, boolean oomKilled, String finishedAt, String reason) {
}
