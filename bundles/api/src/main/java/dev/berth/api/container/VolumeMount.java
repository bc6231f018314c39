package dev.berth.api.container;

import java.util.Objects;

/**
 * A host directory or file bind-mounted into a container ({@code -v SOURCE:TARGET[:ro][,z|Z]}). Both paths
 * are absolute; the source must exist when the container is created. {@code relabel} is null, or
 * {@code "z"} (relabel for sharing among containers) or {@code "Z"} (private to this container), for the
 * SELinux module. Immutable.
 */
public record VolumeMount(String source, String target, boolean readOnly, String relabel) {
    public VolumeMount {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        if (relabel != null && !relabel.equals("z") && !relabel.equals("Z")) {
            throw new IllegalArgumentException("volume " + source + ":" + target + ": relabel \"" + relabel
                    + "\" is neither z nor Z");
        }
    }

    /** A volume that is not relabelled. */
    public VolumeMount(String source, String target, boolean readOnly) {
        this(source, target, readOnly, null);
    }
}
