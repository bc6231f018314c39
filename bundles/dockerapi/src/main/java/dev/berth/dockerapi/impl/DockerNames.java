package dev.berth.dockerapi.impl;

import dev.berth.api.image.ImageReference;

/**
 * Image names as Docker shows them: Berth stores fully qualified names
 * ({@code docker.io/library/busybox:latest}), Docker's client prints familiar ones ({@code busybox:latest});
 * names on other registries stay whole ({@code 127.0.0.1:5000/busybox:latest}). Stateless and thread-safe.
 */
final class DockerNames {
    private static final String HUB = ImageReference.DEFAULT_REGISTRY + "/";
    private static final String OFFICIAL = HUB + "library/";

    private DockerNames() {
    }

    /** The familiar form of a fully qualified name, with whatever tag or digest it has. */
    static String familiar(String qualified) {
        if (qualified.startsWith(OFFICIAL) && qualified.indexOf('/', OFFICIAL.length()) < 0) {
            return qualified.substring(OFFICIAL.length());
        }
        if (qualified.startsWith(HUB)) {
            return qualified.substring(HUB.length());
        }
        return qualified;
    }

    /** The familiar repository of a fully qualified name: {@code busybox} for {@code docker.io/library/busybox:1}. */
    static String familiarRepository(String qualified) {
        ImageReference reference = ImageReference.parse(qualified);
        return familiar(reference.name());
    }

    /** {@code REPOSITORY@DIGEST} in familiar form, as Docker's {@code RepoDigests}. */
    static String repoDigest(String qualified, String manifestDigest) {
        return familiarRepository(qualified) + "@" + manifestDigest;
    }
}
