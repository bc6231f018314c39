package dev.berth.plugin.mount.impl;

/**
 * What a diff walk found in one directory of the container's tree: how many of its entries (or lower
 * entries it deleted) it reported, and how many entries it holds. Decides whether the directory itself
 * counts as changed. Immutable.
 */
record DirFindings(int reported, int entries) {

    /**
     * Whether the directory, now {@code now} and {@code below} in the image (null if absent there), is a
     * change of its own. Added: yes, unless it holds entries and none were reported (it exists only to
     * hold runtime placeholders). In place of something else: yes. A directory in both: only if something
     * below it was reported or its mode or owner differ, as {@code docker diff} reports {@code C /etc} for
     * a changed {@code /etc/hosts} but not a directory merely copied up.
     */
    boolean reportsDirectory(FileMeta now, FileMeta below) {
        if (below == null) {
            return reported > 0 || entries == 0;
        }
        if (!below.isDirectory()) {
            return true;
        }
        return reported > 0 || !now.sameModeAndOwner(below);
    }
}
