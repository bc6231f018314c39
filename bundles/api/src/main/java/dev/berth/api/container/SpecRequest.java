package dev.berth.api.container;

import java.util.Map;
import java.util.Objects;

/**
 * What the spec stage needs to write one container's OCI bundle: the container id and name, the mounted
 * {@code rootfs} (read to resolve user names and the command), the {@code bundleDir} to write
 * {@code config.json} and the container's {@code hostname}, {@code hosts} and {@code resolv.conf} into,
 * the image's OCI config JSON text ({@code imageConfig}), the run options, {@code peers}: the host pid of
 * each running container a {@code container:NAME} isolation option names, keyed by NAME as given (the
 * engine resolves them), and {@code scratch}: the container is removed when it exits ({@code --rm}), so its
 * bundle need not survive a host crash and the stage may leave it unsynced. Immutable.
 */
public record SpecRequest(String containerId, String name, String rootfs, String bundleDir, String imageConfig,
        RunOptions options, Map<String, Integer> peers, boolean scratch) {
    public SpecRequest {
        peers = peers == null ? Map.of() : Map.copyOf(peers);
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(rootfs, "rootfs");
        Objects.requireNonNull(bundleDir, "bundleDir");
        Objects.requireNonNull(imageConfig, "imageConfig");
        Objects.requireNonNull(options, "options");
    }

    /** A request for a container that is kept after it exits: its bundle is synced. */
    public SpecRequest(String containerId, String name, String rootfs, String bundleDir, String imageConfig,
            RunOptions options, Map<String, Integer> peers) {
        this(containerId, name, rootfs, bundleDir, imageConfig, options, peers, false);
    }

    /** A request that names no other container. */
    public SpecRequest(String containerId, String name, String rootfs, String bundleDir, String imageConfig,
            RunOptions options) {
        this(containerId, name, rootfs, bundleDir, imageConfig, options, Map.of(), false);
    }
}
