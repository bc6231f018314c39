package dev.berth.plugin.spec.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.FileSystemLoopException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RootfsResolverTest {
    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        return Stream.of(
                // name, setup, container path, expected container path after resolution
                Arguments.of("Plain", (UnaryOperator<Rootfs>) r -> r, "/bin/sh", "/bin/sh"),
                Arguments.of("DotDotPrefix", (UnaryOperator<Rootfs>) r -> r, "../../../etc/passwd", "/etc/passwd"),
                Arguments.of("AbsoluteSymlinkEscape", (UnaryOperator<Rootfs>) r -> r.link("x", "/etc/shadow"), "/x",
                        "/etc/shadow"),
                Arguments.of("RelativeSymlinkEscape", (UnaryOperator<Rootfs>) r -> r.link("a/b", "../../../../../etc"),
                        "/a/b/passwd", "/etc/passwd"),
                Arguments.of("SymlinkToRoot", (UnaryOperator<Rootfs>) r -> r.link("up", "/"), "/up/up/up/bin",
                        "/bin"),
                Arguments.of("DirectorySymlinkThenDotDot", (UnaryOperator<Rootfs>) r -> r.link("lib", "usr/bin"),
                        "/lib/../local/bin/tool", "/usr/local/bin/tool"),
                Arguments.of("MissingTailIsLexical", (UnaryOperator<Rootfs>) r -> r, "/no/such/../thing", "/no/thing"),
                Arguments.of("RootItself", (UnaryOperator<Rootfs>) r -> r, "/", "/"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void resolvesInsideTheRootfs(String name, UnaryOperator<Rootfs> setup, String path, String expected)
            throws Exception {
        Rootfs rootfs = setup.apply(Rootfs.standard(dir));
        RootfsResolver resolver = new RootfsResolver(rootfs.root);
        Path resolved = resolver.resolve(path);
        assertEquals(rootfs.root.resolve(expected.substring(1)).normalize(), resolved);
        assertEquals(expected, resolver.containerPath(resolved));
    }

    @Test
    void giveUpAfterTheHopLimit() {
        Rootfs rootfs = Rootfs.standard(dir);
        for (int i = 0; i < RootfsResolver.MAX_HOPS + 1; i++) {
            rootfs.link("l" + i, "l" + (i + 1));
        }
        rootfs.link("l" + (RootfsResolver.MAX_HOPS + 1), "/bin/sh");
        assertThrows(FileSystemLoopException.class, () -> new RootfsResolver(rootfs.root).resolve("/l0"));
    }

    @Test
    void followsUpToTheHopLimit() throws Exception {
        Rootfs rootfs = Rootfs.standard(dir);
        for (int i = 0; i < RootfsResolver.MAX_HOPS - 1; i++) {
            rootfs.link("l" + i, "l" + (i + 1));
        }
        rootfs.link("l" + (RootfsResolver.MAX_HOPS - 1), "/bin/sh");
        assertEquals(rootfs.root.resolve("bin/sh"), new RootfsResolver(rootfs.root).resolve("/l0"));
    }
}
