package dev.berth.plugin.mount.impl;

import dev.berth.api.container.FileChange;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One change of a container against its image, with what its layer tar needs: {@code path} is relative
 * ({@link Names}), {@code form} says how the tar carries it, and {@code source} is where to read it in
 * the container's own tree: the entry itself ({@link Form#ENTRY}, {@link Form#OPAQUE_DIR}), the directory
 * that held the deleted entry ({@link Form#WHITEOUT}, for the whiteout's time), or null
 * ({@link Form#COVERED}). Immutable.
 */
record Change(String path, FileChange.Kind kind, Form form, Path source) {

    /** How a layer tar carries a change. */
    enum Form {
        /** The entry as it is now. */
        ENTRY,
        /** A directory replaced as a whole: its entry, then an opaque whiteout inside it. */
        OPAQUE_DIR,
        /** A deletion: a {@code .wh.NAME} entry in the parent directory. */
        WHITEOUT,
        /** A deletion the opaque whiteout of a parent directory already carries: no entry of its own. */
        COVERED
    }

    Change {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(form, "form");
        if (path.isEmpty() || path.startsWith("/")) {
            throw new IllegalArgumentException("a change needs a relative path below the root, got \"" + path + "\"");
        }
    }

    /** The change as the API reports it, with an absolute path. */
    FileChange toFileChange() {
        return new FileChange("/" + path, kind);
    }
}
