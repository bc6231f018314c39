package dev.berth.plugin.mount.impl;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Paths inside a root filesystem as diffs and tars name them: relative, {@code /}-separated, without a
 * leading {@code /} or {@code ./}; the root itself is the empty string. Stateless.
 */
final class Names {
    private Names() {
    }

    /** The names in the directory {@code dir}, sorted (by {@link String#compareTo}). */
    static List<String> sorted(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                names.add(entry.getFileName().toString());
            }
        }
        names.sort(null);
        return names;
    }

    /** {@code name} inside the directory {@code rel}. */
    static String join(String rel, String name) {
        return rel.isEmpty() ? name : rel + "/" + name;
    }

    /** The directory holding {@code rel} ({@code ""} for an entry of the root). */
    static String parent(String rel) {
        int slash = rel.lastIndexOf('/');
        return slash < 0 ? "" : rel.substring(0, slash);
    }

    /** The last component of {@code rel}. */
    static String last(String rel) {
        return rel.substring(rel.lastIndexOf('/') + 1);
    }
}
