package dev.berth.plugin.mount.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.MountStage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * Broken diff, write-changes and export requests, one named case each, with each snapshotter: the call
 * fails with the expected kind and a message naming the offending value, keeps the cause of local
 * failures, leaves nothing at the target and no temporary file beside it, and leaves the mounts as they
 * were (an export that mounted for itself unmounts again).
 */
class DiffFailureTest {
    private static final String ID = Fixture.ID_A;
    private static final String OTHER = Fixture.ID_B;
    private static final List<String> BOTH = List.of("overlay", "copy");

    /** What a case may refer to. */
    record Env(Path tmp, Path root, String kind, MountStage stage, List<String> layers) {
        Path target() {
            return tmp.resolve("out/layer.tar");
        }
    }

    /** Puts in place what a case needs before the call. */
    interface Setup {
        void on(Env env) throws Exception;
    }

    /** The failing call. */
    interface Call {
        void on(Env env) throws Exception;
    }

    record Case(Setup setup, Call call, Path target, ErrorKind kind, List<String> fragments) {
    }

    @TempDir
    Path tmp;
    Env env;

    private static MountStage stage(Path root, String kind) throws Exception {
        return new MountStageComponent(
                Map.of("berth.root", root.toString(), MountStageComponent.SNAPSHOTTER_PROPERTY, kind)::get);
    }

    @BeforeEach
    void setUp() throws Exception {
        Fixture.assumeRoot();
        Path root = Files.createDirectory(tmp.resolve("root"));
        Files.createDirectory(tmp.resolve("out"));
        List<String> layers = Fixture.strings(Fixture.twoLayers(tmp));
        env = new Env(tmp, root, null, null, layers);
    }

    @AfterEach
    void cleanUp() throws Exception {
        Fixture.unmountAll(tmp);
    }

    private static final Setup NOTHING = env -> { };
    private static final Setup UNMOUNTED = env -> env.stage().unmount(ID);

    private static Setup mountTmpfs(String dir, String options) {
        return env -> Fixture.run("mount", "-t", "tmpfs", "-o", options, "tmpfs",
                Files.createDirectory(env.tmp().resolve(dir)).toString());
    }

    private static Setup both(Setup a, Setup b) {
        return env -> {
            a.on(env);
            b.on(env);
        };
    }

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        Path out = Path.of("out/layer.tar");
        add(all, "DiffUnknownContainer", NOTHING, e -> e.stage().changes(OTHER, e.layers()), out,
                ErrorKind.NOT_FOUND, "diff container " + OTHER, "no such container");
        add(all, "WriteUnknownContainer", NOTHING, e -> e.stage().writeChanges(OTHER, e.layers(), e.target()), out,
                ErrorKind.NOT_FOUND, "write changes of container " + OTHER, "no such container");
        add(all, "ExportUnknownContainer", NOTHING, e -> e.stage().export(OTHER, e.layers(), e.target()), out,
                ErrorKind.NOT_FOUND, "export container " + OTHER, "no such container");
        add(all, "DiffBadId", NOTHING, e -> e.stage().changes("abc", e.layers()), out,
                ErrorKind.INVALID, "diff container \"abc\"");
        add(all, "WriteNoLayers", NOTHING, e -> e.stage().writeChanges(ID, List.of(), e.target()), out,
                ErrorKind.INVALID, "write changes of container " + ID, "no layers");
        add(all, "ExportRelativeLayer", NOTHING, e -> e.stage().export(ID, List.of("rel/layer"), e.target()), out,
                ErrorKind.INVALID, "\"rel/layer\"", "absolute");
        add(all, "WriteNullTarget", NOTHING, e -> e.stage().writeChanges(ID, e.layers(), null), out,
                ErrorKind.INVALID, "no target");
        add(all, "WriteRelativeTarget", NOTHING, e -> e.stage().writeChanges(ID, e.layers(), Path.of("layer.tar")),
                out, ErrorKind.INVALID, "\"layer.tar\"", "not an absolute path");
        add(all, "ExportRelativeTarget", NOTHING, e -> e.stage().export(ID, e.layers(), Path.of("out/x.tar")), out,
                ErrorKind.INVALID, "\"out/x.tar\"", "not an absolute path");
        add(all, "WriteTargetDirMissing", NOTHING,
                e -> e.stage().writeChanges(ID, e.layers(), e.tmp().resolve("missing/layer.tar")),
                Path.of("missing/layer.tar"), ErrorKind.INVALID, "missing", "does not exist");
        add(all, "ExportTargetDirMissing", NOTHING,
                e -> e.stage().export(ID, e.layers(), e.tmp().resolve("missing/layer.tar")),
                Path.of("missing/layer.tar"), ErrorKind.INVALID, "missing", "does not exist");
        for (String verb : new String[] {"Write", "Export", "ExportUnmounted"}) {
            Call call = verb.equals("Write") ? e -> e.stage().writeChanges(ID, e.layers(), e.tmp().resolve("ro/x.tar"))
                    : e -> e.stage().export(ID, e.layers(), e.tmp().resolve("ro/x.tar"));
            Setup ro = mountTmpfs("ro", "ro");
            add(all, verb + "ReadOnlyDir", verb.endsWith("Unmounted") ? both(ro, UNMOUNTED) : ro, call,
                    Path.of("ro/x.tar"), ErrorKind.UNAVAILABLE, "ro/x.tar", "Read-only file system");
            Call full = verb.equals("Write")
                    ? e -> e.stage().writeChanges(ID, e.layers(), e.tmp().resolve("small/x.tar"))
                    : e -> e.stage().export(ID, e.layers(), e.tmp().resolve("small/x.tar"));
            Setup small = mountTmpfs("small", "size=64k");
            add(all, verb + "DiskFull", verb.endsWith("Unmounted") ? both(small, UNMOUNTED) : small, full,
                    Path.of("small/x.tar"), ErrorKind.UNAVAILABLE, "small/x.tar", "No space left on device");
        }
        add(all, "WriteOntoDirectory",
                e -> Files.writeString(Files.createDirectory(e.target()).resolve("keep"), "keep"),
                e -> e.stage().writeChanges(ID, e.layers(), e.target()), out,
                ErrorKind.UNAVAILABLE, "write changes of container " + ID, "Is a directory");
        add(all, "DiffOtherKindOfContainer",
                e -> stage(e.root(), e.kind().equals("overlay") ? "copy" : "overlay").mount(OTHER, e.layers()),
                e -> e.stage().changes(OTHER, e.layers()), out,
                ErrorKind.CONFLICT, "diff container " + OTHER, "set berth.snapshotter=");
        add(all, "ExportOtherKindOfContainer",
                e -> stage(e.root(), e.kind().equals("overlay") ? "copy" : "overlay").mount(OTHER, e.layers()),
                e -> e.stage().export(OTHER, e.layers(), e.target()), out,
                ErrorKind.CONFLICT, "export container " + OTHER, "set berth.snapshotter=");
        return all.stream();
    }

    private static void add(List<Arguments> all, String name, Setup setup, Call call, Path target, ErrorKind kind,
            String... fragments) {
        for (String kindOfStage : BOTH) {
            all.add(Arguments.of(Named.of(name + "/" + kindOfStage,
                    new Case(setup, call, target, kind, List.of(fragments))), kindOfStage));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void failsCleanly(Case c, String kind) throws Exception {
        MountStage stage = stage(env.root(), kind);
        env = new Env(env.tmp(), env.root(), kind, stage, env.layers());
        Path view = Path.of(stage.mount(ID, env.layers()).rootfs());
        Files.write(view.resolve("big"), new byte[1 << 20]);
        Files.writeString(view.resolve("b"), "changed");
        c.setup().on(env);
        Path target = tmp.resolve(c.target());
        Path targetDir = target.getParent();
        List<String> inTargetDir = Files.isDirectory(targetDir) ? Fixture.names(targetDir) : null;
        Map<String, String> atTarget = Files.exists(target) ? Fixture.describe(target) : null;
        List<String> mounts = Fixture.mountsUnder(tmp);

        BerthException e = assertThrows(BerthException.class, () -> c.call().on(env));

        assertEquals(c.kind(), e.kind(), e.getMessage());
        for (String fragment : c.fragments()) {
            assertTrue(e.getMessage().contains(fragment), "\"" + fragment + "\" missing in: " + e.getMessage());
        }
        if (c.kind() == ErrorKind.UNAVAILABLE) {
            assertNotNull(e.getCause(), "a local failure keeps its cause");
        }
        assertEquals(inTargetDir, Files.isDirectory(targetDir) ? Fixture.names(targetDir) : null,
                "no temporary file and no tar is left beside the target");
        assertEquals(atTarget, Files.exists(target) ? Fixture.describe(target) : null, "the target is untouched");
        assertEquals(mounts, Fixture.mountsUnder(tmp), "the mounts are as they were");
        assertTrue(!Files.exists(env.root().resolve("mounts").resolve(OTHER)) || c.kind() == ErrorKind.CONFLICT,
                "an unknown container is not created");
    }
}
