package dev.berth.plugin.mount.impl;

import dev.berth.api.container.FileChange.Kind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds an overlay container's changes by walking its {@code upper} directory against the image's
 * {@link LowerView}. Not thread-safe: one per diff; the caller holds the container's lock.
 *
 * <ul>
 *   <li>A whiteout (0:0 character device) deletes what the image has at its path: D, a {@code .wh.}
 *       entry in the tar. One for a path the image does not have is left out.</li>
 *   <li>An opaque directory ({@code trusted.overlay.opaque=y}) replaced the image's one wholesale: the
 *       image's entries it no longer holds are D (carried by the tar's opaque whiteout), its own entries
 *       A or C by the rules here.</li>
 *   <li>Any other entry is A when the image has nothing at its path, else C; a directory by
 *       {@link DirFindings#reportsDirectory}.</li>
 *   <li>Runtime {@link Placeholders} are left out.</li>
 * </ul>
 * Sockets are reported (the tar writer leaves them out).
 */
final class OverlayChanges {
    private final LowerView lower;
    private final Set<Path> opaque;
    private final List<Change> found = new ArrayList<>();

    private OverlayChanges(LowerView lower, Set<Path> opaque) {
        this.lower = lower;
        this.opaque = opaque;
    }

    /** The changes in {@code upper} against {@code lower}. */
    static ChangeSet of(Path upper, LowerView lower) throws IOException {
        OverlayChanges walk = new OverlayChanges(lower, OpaqueDirs.findInUpper(upper));
        walk.directoryContent(upper, "", false);
        return new ChangeSet(walk.found);
    }

    private DirFindings directoryContent(Path dir, String rel, boolean replaced) throws IOException {
        List<String> names = Names.sorted(dir);
        Set<String> present = new HashSet<>();
        int reported = 0;
        for (String name : names) {
            String childRel = Names.join(rel, name);
            Path child = dir.resolve(name);
            FileMeta meta = FileMeta.read(child);
            if (meta.isWhiteout()) {
                // In a replaced directory the image's entries are gone anyway (see below).
                if (!replaced && lower.exists(childRel)) {
                    found.add(new Change(childRel, Kind.DELETED, Change.Form.WHITEOUT, dir));
                    reported++;
                }
                continue;
            }
            present.add(name);
            if (Placeholders.matches(childRel, child, meta)) {
                continue;
            }
            if (meta.isDirectory()) {
                reported += directory(child, childRel, meta) ? 1 : 0;
            } else {
                found.add(new Change(childRel, lower.exists(childRel) ? Kind.CHANGED : Kind.ADDED,
                        Change.Form.ENTRY, child));
                reported++;
            }
        }
        if (replaced) {
            for (String name : lower.children(rel)) {
                if (!present.contains(name)) {
                    found.add(new Change(Names.join(rel, name), Kind.DELETED, Change.Form.COVERED, null));
                    reported++;
                }
            }
        }
        return new DirFindings(reported, names.size());
    }

    /** Walks the directory {@code dir} and reports it if it counts as changed; true if it was reported. */
    private boolean directory(Path dir, String rel, FileMeta meta) throws IOException {
        boolean isOpaque = opaque.contains(Path.of(rel));
        DirFindings findings = directoryContent(dir, rel, isOpaque);
        FileMeta below = lower.stat(rel);
        if (!findings.reportsDirectory(meta, below)) {
            return false;
        }
        found.add(new Change(rel, below == null ? Kind.ADDED : Kind.CHANGED,
                isOpaque ? Change.Form.OPAQUE_DIR : Change.Form.ENTRY, dir));
        return true;
    }
}
