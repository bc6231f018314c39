package dev.berth.plugin.mount.impl;

import static dev.berth.plugin.mount.impl.DiffFixture.LONG_NAME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.container.LayerTar;
import dev.berth.api.container.MountStage;
import dev.berth.api.container.MountedRootfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * changes, writeChanges and export with each snapshotter, on a container that added, changed and deleted
 * files and directories, replaced a directory wholesale, changed a mode, made links, a fifo, a device and
 * a socket, and got runtime placeholders (see {@link DiffFixture#touch}). Real overlay mounts, as root.
 */
class DiffTest {
    private static final String ID = Fixture.ID_A;

    /** The tar entries both snapshotters write, with {@code %s} for how var/lib's replacement is carried. */
    private static final List<String> ENTRIES = List.of(
            "added-hard 0 644 0:0 size=5",
            "added.txt 1 644 0:0 -> added-hard",
            "data/ 5 755 0:0",
            "data/.wh.keep 0 0 0:0 size=0",
            "data/.wh.old 0 0 0:0 size=0",
            "etc/ 5 755 0:0",
            "etc/config 0 644 0:0 size=2",
            "gone-in-top 0 644 0:0 size=4",
            "link-to-config 2 777 0:0 -> etc/config",
            LONG_NAME + " 0 644 0:0 size=4",
            "mode-me 0 600 0:0 size=1",
            "opq/ 5 755 0:0",
            "opq/hidden 0 644 0:0 size=5",
            "run-fifo 6 640 0:0",
            "srv/ 5 750 0:0",
            "tty-like 3 620 0:0 dev=5,1",
            "usr/ 5 755 0:0",
            "usr/local/ 5 755 0:0",
            "usr/local/bin/ 5 755 0:0",
            "usr/local/bin/suid 0 4750 1000:1001 size=1",
            "var/ 5 755 0:0",
            "var/lib/ 5 755 0:0",
            "%s",
            "var/lib/z 0 644 0:0 size=1");
    /** Overlay knows var/lib was replaced as a whole; a copy only sees that x and y are gone. */
    private static final Map<String, List<String>> VAR_LIB_REPLACED = Map.of(
            "overlay", List.of("var/lib/.wh..wh..opq 0 0 0:0 size=0"),
            "copy", List.of("var/lib/.wh.x 0 0 0:0 size=0", "var/lib/.wh.y 0 0 0:0 size=0"));

    @TempDir
    Path tmp;
    Path root;
    List<Path> image;

    @BeforeEach
    void setUp() throws Exception {
        Fixture.assumeRoot();
        root = Files.createDirectory(tmp.resolve("root"));
        image = DiffFixture.image(tmp);
    }

    @AfterEach
    void cleanUp() throws Exception {
        Fixture.unmountAll(tmp);
    }

    private MountStage stage(String kind) throws Exception {
        return new MountStageComponent(
                Map.of("berth.root", root.toString(), MountStageComponent.SNAPSHOTTER_PROPERTY, kind)::get);
    }

    /** Mounts the container and makes its changes; returns its root filesystem. */
    private Path touchedContainer(MountStage stage) throws Exception {
        MountedRootfs r = stage.mount(ID, Fixture.strings(image));
        Path view = Path.of(r.rootfs());
        DiffFixture.touch(view, tmp);
        return view;
    }

    private static List<String> expectedEntries(String kind) {
        List<String> out = new ArrayList<>();
        for (String e : ENTRIES) {
            if (e.equals("%s")) {
                out.addAll(VAR_LIB_REPLACED.get(kind));
            } else {
                out.add(e);
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlay", "copy"})
    void changesAreWhatTheContainerDid(String kind) throws Exception {
        MountStage stage = stage(kind);
        touchedContainer(stage);
        List<String> mounts = Fixture.mountsUnder(root);

        assertEquals(DiffFixture.EXPECTED_CHANGES, stage.changes(ID, Fixture.strings(image)));
        assertEquals(mounts, Fixture.mountsUnder(root), "a diff mounts nothing");

        stage.unmount(ID);
        assertEquals(DiffFixture.EXPECTED_CHANGES, stage.changes(ID, Fixture.strings(image)),
                "the diff reads the read-write layer, mounted or not");
        assertEquals(List.of(), Fixture.mountsUnder(root));
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlay", "copy"})
    void layerTarHoldsTheChangesInTarOrder(String kind) throws Exception {
        MountStage stage = stage(kind);
        Path view = touchedContainer(stage);
        Path target = tmp.resolve("layer.tar");

        LayerTar tar = stage.writeChanges(ID, Fixture.strings(image), target);

        List<DiffFixture.Entry> entries = DiffFixture.entries(target);
        assertEquals(expectedEntries(kind), entries.stream().map(DiffFixture.Entry::summary).toList());
        assertEquals(new LayerTar(target.toString(), Files.size(target), DiffFixture.sha256(target), entries.size()),
                tar);
        Map<String, String> described = DiffFixture.describe(view);
        for (DiffFixture.Entry e : entries) {
            String rel = e.name().endsWith("/") ? e.name().substring(0, e.name().length() - 1) : e.name();
            String base = Names.last(rel);
            // A whiteout carries the time of the directory it is in, an opaque marker that of its own.
            String timeOf = base.equals(".wh..wh..opq") || base.startsWith(".wh.") ? Names.parent(rel) : rel;
            if (e.type() != '2') {
                assertTrue(described.get(timeOf).endsWith(" mtime=" + e.mtime()),
                        e.name() + " has mtime " + e.mtime() + ", the view has " + described.get(timeOf));
            }
        }
        assertEquals(1_600_000_000L, entries.get(0).mtime(), "whole seconds of 1600000000.5");

        List<DiffFixture.RawHeader> raw = DiffFixture.rawHeaders(target);
        assertEquals(entries.size() + 1, raw.size(), "one PAX header, for the long name only: " + raw);
        int pax = 0;
        for (DiffFixture.RawHeader h : raw) {
            assertEquals("", h.userName(), "numeric owners only: " + h);
            assertEquals("", h.groupName(), "numeric owners only: " + h);
            if (h.type() == 'x') {
                // Readers ignore a PAX header's own name; commons-compress always writes this one.
                assertTrue(h.name().startsWith("./PaxHeaders.X/lll"), h.name());
                assertEquals(LONG_NAME + " 0 644 0:0 size=4", entries.get(raw.indexOf(h)).summary(),
                        "the PAX header's entry");
                pax++;
            } else {
                assertFalse(h.name().startsWith("/") || h.name().startsWith("./"), h.name());
            }
        }
        assertEquals(1, pax);
        DiffFixture.RawHeader suid = raw.stream().filter(h -> h.name().equals("usr/local/bin/suid")).findFirst()
                .orElseThrow();
        assertEquals(04750, Integer.parseInt(suid.mode().strip(), 8), "set-id bits are kept, type bits are not");
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlay", "copy"})
    void tarsAreTheSameEveryTime(String kind) throws Exception {
        MountStage stage = stage(kind);
        Path view = touchedContainer(stage);
        LayerTar first = stage.writeChanges(ID, Fixture.strings(image), tmp.resolve("1.tar"));
        DiffFixture.describe(view); // reads every file and directory: access times change
        Thread.sleep(1100);
        LayerTar second = stage.writeChanges(ID, Fixture.strings(image), tmp.resolve("2.tar"));
        assertEquals(first.diffId(), second.diffId());
        assertEquals(-1L, Files.mismatch(tmp.resolve("1.tar"), tmp.resolve("2.tar")));

        LayerTar export1 = stage.export(ID, Fixture.strings(image), tmp.resolve("e1.tar"));
        LayerTar export2 = stage.export(ID, Fixture.strings(image), tmp.resolve("e2.tar"));
        assertEquals(export1.diffId(), export2.diffId());
        assertEquals(export1.size(), export2.size());

        Files.writeString(view.resolve("etc/config"), "v4");
        LayerTar third = stage.writeChanges(ID, Fixture.strings(image), tmp.resolve("3.tar"));
        assertFalse(first.diffId().equals(third.diffId()),
                "a different tree gives a different digest");
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlay", "copy"})
    void imagePlusLayerTarIsTheContainerView(String kind) throws Exception {
        MountStage stage = stage(kind);
        Path view = touchedContainer(stage);
        Path target = tmp.resolve("layer.tar");
        stage.writeChanges(ID, Fixture.strings(image), target);

        Path applied = tmp.resolve("applied");
        DiffFixture.applyImageAndLayer(image, target, applied);

        Map<String, String> expected = DiffFixture.without(DiffFixture.describe(view), DiffFixture.NOT_IN_LAYER);
        assertEquals(expected, DiffFixture.without(DiffFixture.describe(applied), DiffFixture.NOT_IN_LAYER));
        assertTrue(expected.get("added.txt").contains("links=2"), expected.get("added.txt"));
        assertTrue(expected.containsKey("var/lib/z") && !expected.containsKey("var/lib/x"), "sanity: " + expected);
    }

    static Stream<Arguments> exports() {
        return Stream.of(Arguments.of("overlay", true), Arguments.of("overlay", false), Arguments.of("copy", true));
    }

    @ParameterizedTest(name = "{0}, mounted={1}")
    @MethodSource("exports")
    void exportIsTheWholeRootFilesystem(String kind, boolean mounted) throws Exception {
        MountStage stage = stage(kind);
        Path view = touchedContainer(stage);
        Map<String, String> expected = DiffFixture.without(DiffFixture.describe(view), List.of("app.sock"));
        List<String> mountsBefore = mounted ? Fixture.mountsUnder(root) : List.of();
        if (!mounted) {
            stage.unmount(ID);
            assertEquals(List.of(), Fixture.mountsUnder(root));
        }
        Path target = tmp.resolve("export.tar");

        LayerTar tar = stage.export(ID, Fixture.strings(image), target);

        assertEquals(mountsBefore, Fixture.mountsUnder(root), "an export leaves the mounts as they were");
        Path extracted = DiffFixture.extract(target, tmp.resolve("extracted"));
        assertEquals(expected, DiffFixture.describe(extracted));
        List<DiffFixture.Entry> entries = DiffFixture.entries(target);
        assertEquals(new LayerTar(target.toString(), Files.size(target), DiffFixture.sha256(target), entries.size()),
                tar);
        assertEquals(expected.size(), entries.size(), "one entry per path, no root entry, no socket");
        assertEquals("added-hard", entries.get(0).name());
        assertEquals("added.txt 1 644 0:0 -> added-hard", entries.get(1).summary());
    }

    @Test
    void exportDoesNotDescendIntoMountsInsideTheRootFilesystem() throws Exception {
        MountStage stage = stage("overlay");
        Path view = touchedContainer(stage);
        Path mnt = Files.createDirectory(view.resolve("mnt"));
        Fixture.run("mount", "-t", "tmpfs", "tmpfs", mnt.toString());
        Files.writeString(mnt.resolve("inside"), "not the container's");

        stage.export(ID, Fixture.strings(image), tmp.resolve("export.tar"));

        List<String> names = DiffFixture.entries(tmp.resolve("export.tar")).stream().map(DiffFixture.Entry::name)
                .toList();
        assertTrue(names.contains("mnt/"), names.toString());
        assertFalse(names.contains("mnt/inside"), names.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlay", "copy"})
    void anUntouchedContainerHasNoChanges(String kind) throws Exception {
        MountStage stage = stage(kind);
        Path view = Path.of(stage.mount(ID, Fixture.strings(image)).rootfs());
        Files.createDirectory(view.resolve("proc"));
        Files.createFile(view.resolve("etc/resolv.conf"));

        assertEquals(List.of(), stage.changes(ID, Fixture.strings(image)));
        Path target = tmp.resolve("empty.tar");
        LayerTar tar = stage.writeChanges(ID, Fixture.strings(image), target);
        assertEquals(0, tar.entries());
        assertEquals(List.of(), DiffFixture.entries(target));
        assertEquals(Files.size(target), tar.size());
    }
}
