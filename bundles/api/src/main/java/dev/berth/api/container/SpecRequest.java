package dev.berth.api.container;

import java.util.Objects;

/**
 * What the spec stage needs to write one container's OCI bundle: the container id and name, the mounted
 * {@code rootfs} (read to resolve user names and the command), the {@code bundleDir} to write
 * {@code config.json} and the container's {@code hostname}, {@code hosts} and {@code resolv.conf} into,
 * the image's OCI config JSON text ({@code imageConfig}) and the run options. Immutable.
 */
public record SpecRequest(String containerId, String name, String rootfs, String bundleDir, String imageConfig,
        RunOptions options) {
    public SpecRequest {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(rootfs, "rootfs");
        Objects.requireNonNull(bundleDir, "bundleDir");
        Objects.requireNonNull(imageConfig, "imageConfig");
        Objects.requireNonNull(options, "options");
    }
}
