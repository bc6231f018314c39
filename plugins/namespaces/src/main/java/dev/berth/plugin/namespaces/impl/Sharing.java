package dev.berth.plugin.namespaces.impl;

import java.util.Objects;

/**
 * How a container gets one namespace: a new one of its own ({@link Kind#PRIVATE}), the host's
 * ({@link Kind#HOST}), or another container's ({@link Kind#CONTAINER}, with {@code peer} the name given in
 * {@code container:NAME}). {@code asked} is the value as the user typed it, or null when the option was
 * not given. Immutable.
 */
record Sharing(Kind kind, String peer, String asked) {
    /** Where the namespace comes from. */
    enum Kind { PRIVATE, HOST, CONTAINER }

    Sharing {
        Objects.requireNonNull(kind, "kind");
        if ((kind == Kind.CONTAINER) != (peer != null)) {
            throw new IllegalArgumentException("a peer name goes with container:NAME only");
        }
    }

    static Sharing fresh(String asked) {
        return new Sharing(Kind.PRIVATE, null, asked);
    }

    static Sharing host(String asked) {
        return new Sharing(Kind.HOST, null, asked);
    }

    static Sharing container(String peer, String asked) {
        return new Sharing(Kind.CONTAINER, peer, asked);
    }

    boolean isPrivate() {
        return kind == Kind.PRIVATE;
    }
}
