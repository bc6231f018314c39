package dev.berth.plugin.mount.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.berth.api.container.FileChange;
import dev.berth.api.container.MountStage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One container operation per case on {@link Fixture#twoLayers} (bottom a, b, c, d/{x,y}; top deletes a,
 * changes b, makes d opaque holding z; all times old), with the changes each snapshotter must report.
 * Where the two differ, it is because a copy only sees the end state (see {@link CopyChanges}).
 */
class ChangeRulesTest {
    /** What a case does in the container's root filesystem. */
    interface Operation {
        void on(Path view) throws Exception;
    }

    record Case(Operation operation, List<String> overlay, List<String> copy) {
    }

    @TempDir
    Path tmp;
    Path root;
    List<Path> layers;

    @BeforeEach
    void setUp() throws Exception {
        Fixture.assumeRoot();
        root = Files.createDirectory(tmp.resolve("root"));
        layers = Fixture.twoLayers(tmp);
        for (Path layer : layers) {
            DiffFixture.oldTimes(layer);
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        Fixture.unmountAll(tmp);
    }

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        same(all, "FileReplacedByDirectory", v -> {
            Files.delete(v.resolve("c"));
            Files.writeString(Files.createDirectory(v.resolve("c")).resolve("x"), "x");
        }, "C /c", "A /c/x");
        same(all, "DirectoryReplacedByFile", v -> {
            Trees.delete(v.resolve("d"));
            Files.writeString(v.resolve("d"), "file");
        }, "C /d");
        same(all, "SameSizeNewContent", v -> Files.writeString(v.resolve("b"), "B FROM TOP"), "C /b");
        same(all, "OwnerOnly", v -> Files.setAttribute(v.resolve("c"), "unix:uid", 5), "C /c");
        same(all, "DirectoryModeOnly", v -> Files.setAttribute(v.resolve("d"), "unix:mode", 0700), "C /d");
        same(all, "EmptyNewDirectory", v -> Files.createDirectory(v.resolve("e")), "A /e");
        same(all, "PathDeletedByTheImageWrittenAgain", v -> Files.writeString(v.resolve("a"), "new a"), "A /a");
        same(all, "FileOfAnOpaqueImageDirectoryDeleted", v -> Files.delete(v.resolve("d/z")), "C /d", "D /d/z");
        same(all, "DeletedDirectoryIsOneChange", v -> {
            Files.writeString(Files.createDirectories(v.resolve("n/m")).resolve("f"), "f");
            Trees.delete(v.resolve("d"));
        }, "D /d", "A /n", "A /n/m", "A /n/m/f");
        same(all, "OnlyRuntimePlaceholders", v -> {
            Files.createFile(Files.createDirectory(v.resolve("etc")).resolve("hosts"));
            Files.createFile(v.resolve("etc/hostname"));
            Files.createFile(v.resolve(".dockerenv"));
            Files.createDirectories(v.resolve("dev/pts"));
            Files.createDirectories(v.resolve("dev/mqueue"));
            Files.createDirectory(v.resolve("sys"));
            Files.createFile(Files.createDirectory(v.resolve("run")).resolve(".containerenv"));
        });
        same(all, "PlaceholderPathWithContent", v -> {
            Files.writeString(Files.createDirectory(v.resolve("etc")).resolve("hosts"), "127.0.0.1 x");
            Files.writeString(Files.createDirectories(v.resolve("dev/shm")).resolve("seg"), "s");
        }, "A /dev", "A /dev/shm", "A /dev/shm/seg", "A /etc", "A /etc/hosts");
        all.add(Arguments.of(Named.of("DeletedAndWrittenAgainUnchanged", new Case(v -> {
            Files.delete(v.resolve("b"));
            Files.writeString(v.resolve("b"), "b from top");
        }, List.of("C /b"), List.of()))));
        all.add(Arguments.of(Named.of("TouchedOnly", new Case(
                v -> Files.setLastModifiedTime(v.resolve("b"), FileTime.from(Instant.now())),
                List.of("C /b"), List.of()))));
        all.add(Arguments.of(Named.of("DirectoryRebuiltAsItWas", new Case(v -> {
            Trees.delete(v.resolve("d"));
            Files.writeString(Files.createDirectory(v.resolve("d")).resolve("z"), "z");
        }, List.of("C /d", "C /d/z"), List.of()))));
        return all.stream();
    }

    private static void same(List<Arguments> all, String name, Operation op, String... changes) {
        all.add(Arguments.of(Named.of(name, new Case(op, Arrays.asList(changes), Arrays.asList(changes)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void overlayReports(Case c) throws Exception {
        check("overlay", c.operation(), c.overlay());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void copyReports(Case c) throws Exception {
        check("copy", c.operation(), c.copy());
    }

    private void check(String kind, Operation op, List<String> expected) throws Exception {
        MountStage stage = new MountStageComponent(
                Map.of("berth.root", root.toString(), MountStageComponent.SNAPSHOTTER_PROPERTY, kind)::get);
        op.on(Path.of(stage.mount(Fixture.ID_A, Fixture.strings(layers)).rootfs()));
        List<FileChange> changes = stage.changes(Fixture.ID_A, Fixture.strings(layers));
        assertEquals(expected.stream().map(DiffFixture::change).toList(), changes);
    }
}
