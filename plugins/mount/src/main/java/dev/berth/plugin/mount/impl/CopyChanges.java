package dev.berth.plugin.mount.impl;

import dev.berth.api.container.FileChange.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds a copy-snapshotter container's changes by comparing its whole {@code rootfs} with the image's
 * {@link LowerView}, since a copy keeps no record of what was written. Not thread-safe: one per diff; the
 * caller holds the container's lock.
 *
 * <ul>
 *   <li>An entry the image does not have is A; an image entry the rootfs no longer has is D (one
 *       {@code .wh.} whiteout each: a copy cannot tell a directory replaced wholesale from one emptied
 *       and refilled, so it never writes an opaque whiteout).</li>
 *   <li>An entry in both is C if its type, permission bits, owner, symlink target or device number
 *       differ, or for a regular file its size; with equal sizes, equal modification times count as
 *       unchanged, and differing ones are settled by comparing the contents (equal contents: unchanged,
 *       so a file only touched is not reported). A directory by {@link DirFindings#reportsDirectory}.</li>
 *   <li>Runtime {@link Placeholders} are left out. Hard links the image had are separate files in a copy,
 *       and a new hard link to an unchanged file is written as a file of its own.</li>
 * </ul>
 */
final class CopyChanges {
    private final LowerView lower;
    private final List<Change> found = new ArrayList<>();

    private CopyChanges(LowerView lower) {
        this.lower = lower;
    }

    /** The changes in {@code rootfs} against {@code lower}. */
    static ChangeSet of(Path rootfs, LowerView lower) throws IOException {
        CopyChanges walk = new CopyChanges(lower);
        walk.directoryContent(rootfs, "", true);
        return new ChangeSet(walk.found);
    }

    private DirFindings directoryContent(Path dir, String rel, boolean lowerIsDirectory) throws IOException {
        List<String> names = Names.sorted(dir);
        int reported = 0;
        if (lowerIsDirectory) {
            Set<String> kept = new HashSet<>(names);
            for (String name : lower.children(rel)) {
                if (!kept.contains(name)) {
                    found.add(new Change(Names.join(rel, name), Kind.DELETED, Change.Form.WHITEOUT, dir));
                    reported++;
                }
            }
        }
        for (String name : names) {
            String childRel = Names.join(rel, name);
            Path child = dir.resolve(name);
            FileMeta meta = FileMeta.read(child);
            if (Placeholders.matches(childRel, child, meta)) {
                continue;
            }
            FileMeta below = lower.stat(childRel);
            if (meta.isDirectory()) {
                DirFindings findings = directoryContent(child, childRel, below != null && below.isDirectory());
                if (findings.reportsDirectory(meta, below)) {
                    found.add(new Change(childRel, below == null ? Kind.ADDED : Kind.CHANGED, Change.Form.ENTRY,
                            child));
                    reported++;
                }
            } else if (below == null || differs(child, meta, lower.source(childRel), below)) {
                found.add(new Change(childRel, below == null ? Kind.ADDED : Kind.CHANGED, Change.Form.ENTRY, child));
                reported++;
            }
        }
        return new DirFindings(reported, names.size());
    }

    /** Whether the non-directory {@code now} (at {@code path}) differs from {@code was} (at {@code image}). */
    static boolean differs(Path path, FileMeta now, Path image, FileMeta was) throws IOException {
        if (!now.sameModeAndOwner(was)) {
            return true;
        }
        return switch (now.type()) {
            case SYMLINK -> !Files.readSymbolicLink(path).equals(Files.readSymbolicLink(image));
            case CHAR_DEVICE, BLOCK_DEVICE -> now.rdev() != was.rdev();
            case REGULAR -> now.size() != was.size()
                    || !now.mtime().equals(was.mtime()) && Files.mismatch(path, image) != -1L;
            default -> false;
        };
    }
}
