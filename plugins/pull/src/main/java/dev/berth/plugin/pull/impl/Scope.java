package dev.berth.plugin.pull.impl;

import java.util.ArrayList;
import java.util.List;

/**
 * The access a request needs, as the token scopes of the Docker token protocol ask for it:
 * {@code repository:NAME:pull}, {@code repository:NAME:pull,push}, or none at all (a login check). Immutable.
 *
 * @param entries the scope values, each sent as one {@code scope=} query parameter
 */
record Scope(List<String> entries) {
    /** No repository access: what a login check asks for. */
    static final Scope NONE = new Scope(List.of());

    Scope {
        entries = List.copyOf(entries);
    }

    /** Read access to {@code repository}. */
    static Scope pull(String repository) {
        return new Scope(List.of("repository:" + repository + ":pull"));
    }

    /** Read and write access to {@code repository}. */
    static Scope push(String repository) {
        return new Scope(List.of("repository:" + repository + ":pull,push"));
    }

    /** This access plus {@code other}'s, as a cross-repository mount needs. */
    Scope and(Scope other) {
        List<String> all = new ArrayList<>(entries);
        other.entries().stream().filter(e -> !all.contains(e)).forEach(all::add);
        return new Scope(all);
    }

    /** The key under which a token for this scope is cached. */
    String key() {
        return String.join(" ", entries);
    }
}
