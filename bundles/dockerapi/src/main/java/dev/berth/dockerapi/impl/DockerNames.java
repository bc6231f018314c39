package dev.berth.dockerapi.impl;

import dev.berth.api.image.ImageReference;

/**
 * Image names as Docker shows them: Berth stores fully qualified names
 * ({@code docker.io/library/busybox:latest}), Docker's client prints familiar ones ({@code busybox:latest});
 * names on other registries stay whole ({@code 127.0.0.1:5000/busybox:latest}). Names a client sends are
 * parsed here, refused with a 400 when malformed. Stateless and thread-safe.
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

    /**
     * Parses a name a client sent.
     *
     * @throws DockerException 400 naming what is wrong with it
     */
    static ImageReference reference(String text) {
        try {
            return ImageReference.parse(text);
        } catch (IllegalArgumentException e) {
            throw DockerException.invalid(e.getMessage());
        }
    }

    /**
     * The qualified {@code name:tag} an image gets from Docker's {@code repo} and {@code tag} parameters
     * (tag, commit, import): {@code repo} may carry a tag, which a non-empty {@code tag} replaces; without
     * either the tag is {@code latest}. Null when {@code repo} is empty (the image gets no name).
     *
     * @throws DockerException 400 for a malformed name or tag, or a digest
     */
    static String repoTag(String repo, String tag) {
        if (repo == null || repo.isEmpty()) {
            return null;
        }
        ImageReference named = reference(repo);
        if (named.digest() != null) {
            throw DockerException.invalid("refusing to create a tag with a digest reference");
        }
        return reference(named.name() + ":" + (tag == null || tag.isEmpty() ? named.tag() : tag)).toString();
    }
}
