package dev.berth.plugin.mount.impl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The merged view of an image's layer snapshots, as overlayfs would show it read-only, worked out lazily
 * path by path instead of by copying or mounting. Not thread-safe: one per diff.
 *
 * <p>A path is looked up in the layers that make up its parent directory, top layer first: a whiteout
 * (0:0 character device) ends the search with nothing found; the first other entry found is the one
 * shown; a directory merges with the directories at the same path further down until one of them is
 * opaque ({@code trusted.overlay.opaque=y}) or something other than a directory is met there. As in
 * overlayfs, an opaque mark on a layer's root is ignored. Answers are remembered, and each layer's opaque
 * directories are read (one {@code getfattr} run) only when a lookup first reaches that layer.
 */
final class LowerView {
    /** One layer's directory at some path; {@code layer} indexes {@link #layersTopFirst}. */
    private record Layered(int layer, Path dir) {
    }

    /** What the view shows at a path: the entry shown and, for a directory, the layer dirs merged into it. */
    private record Node(Path path, FileMeta meta, List<Layered> merged) {
    }

    private static final Node ABSENT = new Node(null, null, List.of());

    private final List<Path> layersTopFirst;
    private final Map<Integer, Set<Path>> opaque = new HashMap<>();
    private final Map<String, Node> nodes = new HashMap<>();

    /** The view of {@code layersBottomFirst}, existing directories (read at their real paths). */
    LowerView(List<Path> layersBottomFirst) throws IOException {
        List<Path> real = new ArrayList<>(layersBottomFirst.size());
        for (Path layer : layersBottomFirst) {
            real.add(layer.toRealPath());
        }
        Collections.reverse(real);
        this.layersTopFirst = List.copyOf(real);
    }

    /** Whether the view shows anything at {@code rel}. */
    boolean exists(String rel) throws IOException {
        return node(rel) != ABSENT;
    }

    /** The attributes of what the view shows at {@code rel}, or null if nothing. */
    FileMeta stat(String rel) throws IOException {
        return node(rel).meta();
    }

    /** The layer file the view shows at {@code rel}, or null if nothing. */
    Path source(String rel) throws IOException {
        return node(rel).path();
    }

    /** The names the view shows in the directory {@code rel}, sorted; empty if it is no directory. */
    List<String> children(String rel) throws IOException {
        Set<String> names = new TreeSet<>();
        for (Layered layered : node(rel).merged()) {
            names.addAll(Names.sorted(layered.dir()));
        }
        List<String> shown = new ArrayList<>(names.size());
        for (String name : names) {
            if (exists(Names.join(rel, name))) {
                shown.add(name);
            }
        }
        return shown;
    }

    private Node node(String rel) throws IOException {
        Node known = nodes.get(rel);
        if (known == null) {
            known = rel.isEmpty() ? root() : lookup(rel);
            nodes.put(rel, known);
        }
        return known;
    }

    private Node root() throws IOException {
        List<Layered> all = new ArrayList<>(layersTopFirst.size());
        for (int i = 0; i < layersTopFirst.size(); i++) {
            all.add(new Layered(i, layersTopFirst.get(i)));
        }
        Path top = layersTopFirst.get(0);
        return new Node(top, FileMeta.read(top), List.copyOf(all));
    }

    private Node lookup(String rel) throws IOException {
        String name = Names.last(rel);
        Path shown = null;
        FileMeta shownMeta = null;
        List<Layered> merged = new ArrayList<>();
        for (Layered parent : node(Names.parent(rel)).merged()) {
            Path path = parent.dir().resolve(name);
            FileMeta meta = FileMeta.readIfExists(path);
            if (meta == null) {
                continue;
            }
            if (meta.isWhiteout() || shown != null && !meta.isDirectory()) {
                break;
            }
            if (shown == null) {
                shown = path;
                shownMeta = meta;
                if (!meta.isDirectory()) {
                    break;
                }
            }
            merged.add(new Layered(parent.layer(), path));
            if (isOpaque(parent.layer(), rel)) {
                break;
            }
        }
        return shown == null ? ABSENT : new Node(shown, shownMeta, List.copyOf(merged));
    }

    private boolean isOpaque(int layer, String rel) throws IOException {
        Set<Path> dirs = opaque.get(layer);
        if (dirs == null) {
            dirs = OpaqueDirs.find(layersTopFirst.get(layer));
            opaque.put(layer, dirs);
        }
        return dirs.contains(Path.of(rel));
    }
}
