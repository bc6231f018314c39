package dev.berth.plugin.mount.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.MountStage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
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
 * Hostile and broken requests, one named case each, with each snapshotter: the call must fail with the
 * expected kind and a message naming the offending value, leave nothing new in {@code <root>/mounts},
 * leave no mount under the test folder, and leave the sentinel outside the root untouched.
 */
class HostileRequestTest {
    /** What a case may refer to. */
    record Env(Path tmp, Path root, List<Path> layers, Path sentinel) {
    }

    /** The call a case makes. */
    interface Call {
        void on(MountStage stage, Env env) throws Exception;
    }

    /** What a case puts in place before the snapshot of {@code <root>/mounts} is taken. */
    interface Setup {
        void on(Env env) throws Exception;
    }

    record Case(Setup setup, Call call, ErrorKind kind, List<String> fragments) {
    }

    private static final Setup NOTHING = env -> { };

    private static final List<String> BOTH = List.of("overlay", "copy");
    private static final String ID = Fixture.ID_A;

    @TempDir
    Path tmp;
    Env env;

    @BeforeEach
    void setUp() throws Exception {
        Fixture.assumeRoot();
        Path root = Files.createDirectory(tmp.resolve("root"));
        env = new Env(tmp, root, Fixture.twoLayers(tmp), Files.writeString(tmp.resolve("sentinel.txt"), "sentinel"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        Fixture.unmountAll(tmp);
    }

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (String badId : new String[] {"../x", "/", "A".repeat(64), "abc", "a".repeat(65), "",
                "../" + "a".repeat(61), "a".repeat(63) + "\n", null}) {
            String name = badId == null ? "NullId" : badId.startsWith("..") ? "DotDotId" + badId.length()
                    : badId.equals("/") ? "SlashId" : badId.startsWith("A") ? "UppercaseId"
                    : badId.isEmpty() ? "EmptyId" : badId.endsWith("\n") ? "NewlineId"
                    : badId.length() < 64 ? "ShortId" : "LongId";
            String quoted = badId == null ? "null" : "\"" + badId + "\"";
            add(all, "Mount" + name, BOTH, (s, e) -> s.mount(badId, Fixture.strings(e.layers())),
                    ErrorKind.INVALID, "mount container " + quoted, "64 lowercase hexadecimal");
            add(all, "Unmount" + name, BOTH, (s, e) -> s.unmount(badId), ErrorKind.INVALID,
                    "unmount container " + quoted);
            add(all, "Remove" + name, BOTH, (s, e) -> s.remove(badId), ErrorKind.INVALID,
                    "remove container " + quoted);
        }
        add(all, "MissingLayer", BOTH, (s, e) -> s.mount(ID, List.of(e.layers().get(0).toString(),
                e.tmp().resolve("no-such-layer").toString())), ErrorKind.INVALID, "no-such-layer",
                "not an existing directory");
        add(all, "RelativeLayer", BOTH, (s, e) -> s.mount(ID, List.of("layers/bottom")), ErrorKind.INVALID,
                "\"layers/bottom\"", "not an absolute path");
        add(all, "DotDotRelativeLayer", BOTH, (s, e) -> s.mount(ID, List.of("../../etc")), ErrorKind.INVALID,
                "\"../../etc\"", "not an absolute path");
        add(all, "LayerIsAFile", BOTH, (s, e) -> s.mount(ID, List.of(e.sentinel().toString())),
                ErrorKind.INVALID, "sentinel.txt", "not an existing directory");
        add(all, "NullLayer", BOTH, (s, e) -> s.mount(ID, Arrays.asList(e.layers().get(0).toString(), null)),
                ErrorKind.INVALID, "layer null");
        add(all, "NoLayers", BOTH, (s, e) -> s.mount(ID, List.of()), ErrorKind.INVALID, "no layers");
        add(all, "NulInLayer", BOTH, (s, e) -> s.mount(ID, List.of(e.layers().get(0) + "\0x")),
                ErrorKind.INVALID, "not a valid path");
        add(all, "CommaInLayer", List.of("overlay"), (s, e) -> s.mount(ID,
                List.of(Files.createDirectory(e.tmp().resolve("a,upperdir=x")).toString())),
                ErrorKind.INVALID, "a,upperdir=x", "contains ','");
        add(all, "ColonInLayer", List.of("overlay"), (s, e) -> s.mount(ID,
                List.of(Files.createDirectory(e.tmp().resolve("a:b")).toString())),
                ErrorKind.INVALID, "a:b", "contains ':'");
        add(all, "TooManyLayersForOnePage", List.of("overlay"), (s, e) -> s.mount(ID, manyLayers(e.tmp(), 60)),
                ErrorKind.INVALID, "mount container " + ID, "60 layers", "4095");
        // overlayfs refuses procfs as a lower layer: mount(2) itself fails, after the directories exist.
        add(all, "MountCallFails", List.of("overlay"), (s, e) -> s.mount(ID, List.of("/proc/sys")),
                ErrorKind.UNAVAILABLE, "mount container " + ID, "mount(2) of an overlay on", "Invalid argument",
                "errno 22");
        all.add(Arguments.of(Named.of("WorkDirIsAFile/overlay", "overlay"), new Case(
                e -> Files.writeString(Files.createDirectories(e.root().resolve("mounts").resolve(ID))
                        .resolve("work"), "in the way"),
                (s, e) -> s.mount(ID, Fixture.strings(e.layers())), ErrorKind.UNAVAILABLE,
                List.of("mount container " + ID, "work"))));
        all.add(Arguments.of(Named.of("OverlayLayoutUnderCopy/copy", "copy"), new Case(
                e -> Files.createDirectories(e.root().resolve("mounts").resolve(ID).resolve("upper")),
                (s, e) -> s.mount(ID, Fixture.strings(e.layers())), ErrorKind.CONFLICT,
                List.of("mount container " + ID, "overlay read-write layer"))));
        all.add(Arguments.of(Named.of("CopyLayoutUnderOverlay/overlay", "overlay"), new Case(
                e -> Files.createDirectories(e.root().resolve("mounts").resolve(ID).resolve("rootfs")),
                (s, e) -> s.mount(ID, Fixture.strings(e.layers())), ErrorKind.CONFLICT,
                List.of("mount container " + ID, "copied root filesystem"))));
        return all.stream();
    }

    private static void add(List<Arguments> all, String name, List<String> kinds, Call call, ErrorKind kind,
            String... fragments) {
        for (String k : kinds) {
            all.add(Arguments.of(Named.of(name + "/" + k, k), new Case(NOTHING, call, kind, List.of(fragments))));
        }
    }

    /** {@code n} layer directories with long names (each about 90 bytes of path). */
    static List<String> manyLayers(Path tmp, int n) throws IOException {
        List<String> layers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            layers.add(Files.createDirectories(tmp.resolve("many").resolve(String.format("%064d", i)).resolve("fs"))
                    .toString());
        }
        return layers;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rejected(String kind, Case c) throws Exception {
        MountStage stage = new MountStageComponent(
                Map.of("berth.root", env.root().toString(), MountStageComponent.SNAPSHOTTER_PROPERTY, kind)::get);
        c.setup().on(env);
        List<String> before = namesInMounts();

        BerthException e = assertThrows(BerthException.class, () -> c.call().on(stage, env));

        assertEquals(c.kind(), e.kind(), e.getMessage());
        for (String fragment : c.fragments()) {
            assertTrue(e.getMessage().contains(fragment), "message lacks \"" + fragment + "\": " + e.getMessage());
        }
        assertEquals(before, namesInMounts(), "nothing new in <root>/mounts");
        assertEquals(List.of(), Fixture.mountsUnder(tmp), "no mount left under the test folder");
        assertEquals("sentinel", Files.readString(env.sentinel()));
        assertEquals(before.isEmpty() ? List.of() : List.of(ID), stage.list().stream()
                .map(r -> r.containerId()).toList());
    }

    /** Every path below {@code <root>/mounts}. */
    private List<String> namesInMounts() throws IOException {
        Path mounts = env.root().resolve("mounts");
        return Files.isDirectory(mounts, LinkOption.NOFOLLOW_LINKS)
                ? List.copyOf(Fixture.describe(mounts).keySet()) : List.of();
    }
}
