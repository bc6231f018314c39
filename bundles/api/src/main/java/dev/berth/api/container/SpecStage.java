package dev.berth.api.container;

import dev.berth.api.BerthException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The spec stage: turns an image config and run options into an OCI runtime bundle's {@code config.json}.
 * A request the image cannot satisfy (unknown user, command not in the image, missing volume source) is
 * an {@link dev.berth.api.ErrorKind#INVALID} error naming the value; nothing is left in the bundle
 * directory then. Thread-safe.
 */
@ConsumerType
public interface SpecStage {
    /** The {@code berth.stage} service property value of spec implementations. */
    String STAGE = "spec";

    /** Writes the bundle's {@code config.json} and the files it mounts, and describes what it wrote. */
    GeneratedSpec generate(SpecRequest request) throws BerthException;

    /**
     * Refuses run options {@link #generate} would refuse, before anything exists for the container: only
     * the request's container id, name, options and peers mean something here (nothing is mounted, so
     * the rootfs and bundle folder are empty strings and the image config is {@code {}}). No side effects.
     * The default checks nothing.
     */
    default void check(SpecRequest request) throws BerthException {
    }

    /** The request {@link #check} gets: {@code options} and {@code peers} for container {@code id}. */
    static SpecRequest checkRequest(String id, String name, RunOptions options, java.util.Map<String, Integer> peers) {
        return new SpecRequest(id, name, "", "", "{}", options, peers);
    }
}
