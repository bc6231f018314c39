package dev.berth.plugin.mount.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Tar order: a directory first, then its opaque whiteout, its whiteouts, its other entries by name. */
class TarOrderTest {
    @Test
    void ordersDirectoriesMarkersWhiteoutsAndEntries() {
        List<TarOrder> expected = List.of(
                TarOrder.entry("a"),
                TarOrder.entry("a-b"),
                TarOrder.entry("d"),
                TarOrder.opaqueMarker("d"),
                TarOrder.whiteout("d/z"),
                TarOrder.entry("d/-x"),
                TarOrder.entry("d/y"),
                TarOrder.entry("d/y/deep"),
                TarOrder.entry("d/z2"),
                TarOrder.entry("d-e"),
                TarOrder.whiteout("e/gone"),
                TarOrder.entry("e/kept"));
        for (long seed = 0; seed < 20; seed++) {
            List<TarOrder> shuffled = new ArrayList<>(expected);
            Collections.shuffle(shuffled, new Random(seed));
            Collections.sort(shuffled);
            assertEquals(expected, shuffled);
        }
    }
}
