package dev.berth.api.image;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A normalised image reference, parsed like Docker: {@code busybox} is
 * {@code docker.io/library/busybox:latest}; {@code host:port/name:tag}, {@code name@sha256:...} and a tag
 * plus a digest are accepted. Immutable; invalid text is rejected by {@link #parse} with a message that
 * names the part at fault, before any network traffic.
 *
 * @param registry   the registry host, with port if any ({@code docker.io}, {@code 127.0.0.1:5000})
 * @param repository the repository path ({@code library/busybox})
 * @param tag        the tag, or null when only a digest is given
 * @param digest     the digest, or null
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {
    /** The registry of names without a host part. */
    public static final String DEFAULT_REGISTRY = "docker.io";
    /** The tag of references that give neither tag nor digest. */
    public static final String DEFAULT_TAG = "latest";

    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern HOST = Pattern.compile(
            "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
                    + "|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?");
    private static final int MAX_NAME = 255;

    public ImageReference {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(repository, "repository");
        if (tag == null && digest == null) {
            throw new IllegalArgumentException("image reference " + registry + "/" + repository
                    + " needs a tag or a digest");
        }
    }

    /**
     * Parses and normalises {@code text}.
     *
     * @throws IllegalArgumentException naming the reference and what is wrong with it
     */
    public static ImageReference parse(String text) {
        Objects.requireNonNull(text, "reference");
        String rest = text;
        if (rest.isEmpty()) {
            throw invalid(text, "it is empty");
        }
        if (rest.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw invalid(text, "it contains whitespace or control characters");
        }
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            try {
                digest = Digest.parse(rest.substring(at + 1));
            } catch (IllegalArgumentException e) {
                throw invalid(text, e.getMessage());
            }
            rest = rest.substring(0, at);
        }
        String tag = null;
        int lastSlash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > lastSlash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw invalid(text, "tag \"" + tag + "\" must be 1 to 128 of [A-Za-z0-9_.-], not starting with . or -");
            }
        }
        if (rest.isEmpty()) {
            throw invalid(text, "the repository name is missing");
        }
        String registry = DEFAULT_REGISTRY;
        String path = rest;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")
                    || !first.equals(first.toLowerCase(java.util.Locale.ROOT))) {
                if (!HOST.matcher(first).matches()) {
                    throw invalid(text, "registry host \"" + first + "\" is not a host name or host:port");
                }
                registry = first;
                path = rest.substring(slash + 1);
            }
        }
        if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
            registry = DEFAULT_REGISTRY;
        }
        if (path.isEmpty()) {
            throw invalid(text, "the repository name is missing");
        }
        for (String component : path.split("/", -1)) {
            if (!COMPONENT.matcher(component).matches()) {
                throw invalid(text, "repository name component \"" + component
                        + "\" must be lowercase letters and digits, separated by . _ __ or -");
            }
        }
        if (registry.equals(DEFAULT_REGISTRY) && !path.contains("/")) {
            path = "library/" + path;
        }
        if (registry.length() + 1 + path.length() > MAX_NAME) {
            throw invalid(text, "the name is longer than " + MAX_NAME + " characters");
        }
        if (tag == null && digest == null) {
            tag = DEFAULT_TAG;
        }
        return new ImageReference(registry, path, tag, digest);
    }

    private static IllegalArgumentException invalid(String text, String why) {
        // Both parts are bounded: the reason quotes the part at fault (a tag, a host, a component), which is
        // as long as the text.
        return new IllegalArgumentException("invalid image reference \"" + abbreviate(text) + "\": " + abbreviate(why));
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    /** The tag, if any. */
    public Optional<String> optionalTag() {
        return Optional.ofNullable(tag);
    }

    /** The digest, if any. */
    public Optional<Digest> optionalDigest() {
        return Optional.ofNullable(digest);
    }

    /** {@code registry/repository}, without tag or digest. */
    public String name() {
        return registry + "/" + repository;
    }

    /** The same name with another tag and no digest. */
    public ImageReference withTag(String newTag) {
        return parse(name() + ":" + newTag);
    }

    /** What a registry's manifest endpoint is asked for: the digest if given, else the tag. */
    public String manifestReference() {
        return digest != null ? digest.toString() : tag;
    }

    /** The fully qualified text: {@code registry/repository[:tag][@digest]}. */
    @Override
    public String toString() {
        return name() + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }
}
