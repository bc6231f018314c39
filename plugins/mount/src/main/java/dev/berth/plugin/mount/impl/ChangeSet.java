package dev.berth.plugin.mount.impl;

import dev.berth.api.container.FileChange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Everything a container changed against its image, as one snapshotter's walker found it (in any order);
 * reported to the API as a list sorted by path and written as an OCI layer tar in {@link TarOrder}.
 * Immutable.
 */
record ChangeSet(List<Change> changes) {

    /** One tar entry (or two, for an opaque directory) to write, at its place in the tar. */
    private record Item(TarOrder order, Writing writing) {
    }

    /** Writes one item. */
    private interface Writing {
        void to(TreeTarWriter tar) throws IOException;
    }

    ChangeSet {
        changes = List.copyOf(changes);
    }

    /** The changes as the API reports them, sorted by path. */
    List<FileChange> fileChanges() {
        return changes.stream().map(Change::toFileChange).sorted(Comparator.comparing(FileChange::path)).toList();
    }

    /** Writes the changes as layer tar entries, in {@link TarOrder}. */
    void writeTo(TreeTarWriter tar) throws IOException {
        List<Item> items = new ArrayList<>(changes.size());
        for (Change c : changes) {
            switch (c.form()) {
                case ENTRY -> items.add(new Item(TarOrder.entry(c.path()), t -> t.add(c.path(), c.source())));
                case OPAQUE_DIR -> {
                    items.add(new Item(TarOrder.entry(c.path()), t -> t.add(c.path(), c.source())));
                    items.add(new Item(TarOrder.opaqueMarker(c.path()),
                            t -> t.opaqueMarker(c.path(), FileMeta.read(c.source()).mtime())));
                }
                case WHITEOUT -> items.add(new Item(TarOrder.whiteout(c.path()),
                        t -> t.whiteout(c.path(), FileMeta.read(c.source()).mtime())));
                case COVERED -> {
                    // The parent's opaque whiteout deletes it.
                }
                default -> throw new IllegalStateException("unknown change form " + c.form());
            }
        }
        items.sort(Comparator.comparing(Item::order));
        for (Item item : items) {
            item.writing().to(tar);
        }
    }
}
