package dev.berth.apiserver.impl;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The container a {@code /v1/containers/...} path names and the action after it: {@code /v1/containers}
 * (no id), {@code /v1/containers/ID} (empty action) or {@code /v1/containers/ID/ACTION}. The id is
 * percent-decoded and checked, so that whatever reaches the engine is one path segment of printable
 * characters; resolving names and prefixes is the engine's job. Immutable.
 *
 * @param id     the container id, name or id prefix, or null for the collection
 * @param action the word after the id ({@code start}, {@code logs}), or empty
 */
record ContainerPath(String id, String action) {
    /** The path of the collection. */
    static final String PREFIX = "/v1/containers";
    /** The longest id, name or prefix accepted. */
    static final int MAX_ID = 128;

    /**
     * Parses a request path starting with {@link #PREFIX}.
     *
     * @throws IllegalArgumentException naming the id when it is empty, too long, holds a '/' (also
     *                                  encoded) or control characters, or is "." or ".."
     */
    static ContainerPath parse(String path) {
        if (path.equals(PREFIX)) {
            return new ContainerPath(null, "");
        }
        String rest = path.substring(PREFIX.length() + 1);
        int slash = rest.indexOf('/');
        String raw = slash < 0 ? rest : rest.substring(0, slash);
        String action = slash < 0 ? "" : rest.substring(slash + 1);
        if (action.indexOf('/') >= 0) {
            throw new IllegalArgumentException("container id \"" + rest.substring(0, rest.lastIndexOf('/'))
                    + "\" must not contain '/'");
        }
        String id;
        try {
            id = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("container id \"" + raw + "\" is not a valid path segment");
        }
        if (id.isEmpty()) {
            throw new IllegalArgumentException("missing container id in " + path);
        }
        if (id.length() > MAX_ID) {
            throw new IllegalArgumentException("container id is longer than " + MAX_ID + " characters");
        }
        if (id.indexOf('/') >= 0) {
            throw new IllegalArgumentException("container id \"" + id + "\" must not contain '/'");
        }
        if (id.equals(".") || id.equals("..") || id.chars().anyMatch(c -> Character.isISOControl(c)
                || Character.isWhitespace(c))) {
            throw new IllegalArgumentException("container id \"" + id.replaceAll("\\p{Cntrl}", "?")
                    + "\" is not a container id or name");
        }
        return new ContainerPath(id, action);
    }
}
