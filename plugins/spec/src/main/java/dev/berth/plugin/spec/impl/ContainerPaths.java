package dev.berth.plugin.spec.impl;

import java.util.ArrayDeque;
import java.util.Deque;

/** Lexical clean-up of paths as the container sees them, like Go's {@code path.Clean}. Stateless. */
final class ContainerPaths {
    private ContainerPaths() {
    }

    /**
     * {@code path} with duplicate slashes, {@code .} and {@code ..} removed; an absolute path stays
     * absolute and {@code ..} stops at {@code /}. Relative paths are resolved against {@code base}
     * (itself absolute).
     */
    static String clean(String base, String path) {
        String full = path.startsWith("/") ? path : base + "/" + path;
        Deque<String> parts = new ArrayDeque<>();
        for (String part : full.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(part);
            }
        }
        return "/" + String.join("/", parts);
    }

    /** {@link #clean} of an absolute path. */
    static String clean(String absolute) {
        return clean("/", absolute);
    }
}
