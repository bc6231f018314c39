package dev.berth.plugin.spec.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CommandFinderTest {
    @TempDir
    Path dir;

    private static Arguments found(String name, UnaryOperator<Rootfs> setup, String command, String path) {
        return Arguments.of(name, setup, command, path);
    }

    private static Arguments refused(String name, UnaryOperator<Rootfs> setup, String command, String message) {
        return Arguments.of(name, setup, command, "!" + message);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                found("NameOnPath", r -> r, "sh", "/bin/sh"),
                found("FirstPathEntryWins", r -> r.executable("usr/local/bin/sh"), "sh", "/usr/local/bin/sh"),
                found("LaterEntry", r -> r, "tool", "/usr/local/bin/tool"),
                found("AbsolutePath", r -> r, "/bin/sh", "/bin/sh"),
                found("RelativeToWorkingDir", r -> r, "./tool", "/usr/local/bin/tool"),
                found("DotDotInPathStaysInRoot", r -> r, "/../../bin/sh", "/bin/sh"),
                found("AbsoluteSymlinkInsideRootfs", r -> r.link("usr/bin/bb", "/bin/busybox"), "bb", "/usr/bin/bb"),
                found("SymlinkChain", r -> r.link("usr/bin/a", "b").link("usr/bin/b", "../../bin/busybox"), "a",
                        "/usr/bin/a"),
                found("DirectorySymlinkToRoot", r -> r.link("usr/bin/root", "/"), "/usr/bin/root/bin/sh",
                        "/usr/bin/root/bin/sh"),
                found("NonExecutableSkippedForLaterOne", r -> r.file("usr/local/bin/sh", "x"), "sh", "/bin/sh"),
                refused("NotFound", r -> r, "nope", "exec: \"nope\": executable file not found in $PATH"),
                refused("AbsoluteSymlinkToHostOnlyFile", r -> r.delete("bin/busybox").link("usr/bin/bb", "/bin/busybox"),
                        "bb", "exec: \"bb\": executable file not found in $PATH"),
                refused("RelativeSymlinkEscapeToHostBinary", r -> r.link("usr/bin/envy", "../../../../../../usr/bin/env"),
                        "envy", "exec: \"envy\": executable file not found in $PATH"),
                refused("RelativeSymlinkEscapeToPasswd", r -> r.link("usr/bin/evil", "../../../../etc/passwd"), "evil",
                        "exec: \"evil\": executable file not found in $PATH (/usr/bin/evil (resolved inside the "
                        + "rootfs to /etc/passwd) is not an executable file)"),
                refused("SymlinkLoop", r -> r.link("usr/bin/loop", "loop"), "loop",
                        "exec: \"loop\": /usr/bin/loop: too many levels of symbolic links"),
                refused("NotExecutableOnPath", r -> r, "data",
                        "exec: \"data\": executable file not found in $PATH (/bin/data is not an executable file)"),
                refused("DirectoryOnPath", r -> r.dir("usr/local/bin/tools"), "tools",
                        "exec: \"tools\": executable file not found in $PATH (/usr/local/bin/tools is a directory)"),
                refused("AbsoluteMissing", r -> r, "/nope", "exec: \"/nope\": stat /nope: no such file or directory"),
                refused("AbsoluteDirectory", r -> r, "/bin", "exec: \"/bin\": /bin is a directory"),
                refused("AbsoluteNotExecutable", r -> r, "/etc/passwd",
                        "exec: \"/etc/passwd\": /etc/passwd is not an executable file"),
                refused("FileUsedAsDirectory", r -> r, "/bin/sh/x",
                        "exec: \"/bin/sh/x\": stat /bin/sh/x: no such file or directory"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void find(String name, UnaryOperator<Rootfs> setup, String command, String expected) throws Exception {
        Path root = Files.createDirectory(dir.resolve("rootfs"));
        Rootfs rootfs = setup.apply(Rootfs.standard(root));
        CommandFinder finder = new CommandFinder(new RootfsResolver(rootfs.root));
        String path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        String cwd = "/usr/local/bin";
        if (expected.startsWith("!")) {
            BerthException e = assertThrows(BerthException.class, () -> finder.find(command, path, cwd));
            assertEquals(ErrorKind.INVALID, e.kind());
            assertEquals(expected.substring(1), e.getMessage());
        } else {
            assertEquals(expected, finder.find(command, path, cwd));
        }
        assertTrue(Files.exists(Path.of("/etc/passwd")), "host file untouched");
    }
}
