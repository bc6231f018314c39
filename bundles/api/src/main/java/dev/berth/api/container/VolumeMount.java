package dev.berth.api.container;

import java.util.Objects;

/**
 * A host directory or file bind-mounted into a container ({@code -v SOURCE:TARGET[:ro]}). Both paths are
 * absolute; the source must exist when the container is created. Immutable.
 */
public record VolumeMount(String source, String target, boolean readOnly) {
    public VolumeMount {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
    }
}
