package dev.berth.api.isolation;

/**
 * What a container uses right now, read from its cgroup: memory in bytes ({@code memoryBytes}) against
 * its limit ({@code memoryLimit}, 0 when unlimited), CPU time used since it started ({@code cpuNanos}),
 * and the number of tasks ({@code pids}) against their limit ({@code pidsLimit}, 0 when unlimited).
 * Immutable.
 */
public record ResourceUsage(long memoryBytes, long memoryLimit, long cpuNanos, long pids, long pidsLimit) {
}
