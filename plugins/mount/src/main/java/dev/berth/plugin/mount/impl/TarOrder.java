package dev.berth.plugin.mount.impl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The order of entries in the tars this stage writes: depth first, a directory before what it holds,
 * and inside a directory its opaque whiteout first, then its {@code .wh.NAME} whiteouts, then its other
 * entries, each group by name (as the OCI image spec asks: whiteouts before their siblings). Immutable.
 *
 * <p>A key is the path's components, each tagged with its group so that plain list order is tar order.
 */
record TarOrder(List<String> key) implements Comparable<TarOrder> {
    private static final String MARKER = "\0";
    private static final String WHITEOUT = "\1";
    private static final String ENTRY = "\2";
    private static final Comparator<List<String>> LISTS = (a, b) -> {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    };

    /** The place of the entry {@code rel}. */
    static TarOrder entry(String rel) {
        return new TarOrder(components(rel));
    }

    /** The place of the opaque whiteout of the directory {@code dirRel}. */
    static TarOrder opaqueMarker(String dirRel) {
        List<String> key = components(dirRel);
        key.add(MARKER);
        return new TarOrder(key);
    }

    /** The place of the whiteout deleting {@code rel}. */
    static TarOrder whiteout(String rel) {
        List<String> key = components(Names.parent(rel));
        key.add(WHITEOUT + Names.last(rel));
        return new TarOrder(key);
    }

    private static List<String> components(String rel) {
        List<String> key = new ArrayList<>();
        if (!rel.isEmpty()) {
            for (String name : rel.split("/")) {
                key.add(ENTRY + name);
            }
        }
        return key;
    }

    @Override
    public int compareTo(TarOrder other) {
        return LISTS.compare(key, other.key);
    }
}
