package dev.berth.api.container;

/**
 * What a runtime plugin found on this host: its name ({@code runc}), the binary it drives, the version
 * that binary reports, and whether it can run containers here; when not, {@code reason} says why in
 * words (e.g. crun on a hybrid cgroup host). Immutable.
 */
public record RuntimeInfo(String name, String path, String version, boolean usable, String reason) {
}
