package dev.berth.plugin.selinux.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real relabeller against the real kernel and coreutils: as root, chcon writes the security.selinux
 * extended attribute even on a host without SELinux, so the labels it sets can be read back with getfattr.
 */
class ChconRelabellerTest {
    private static final String LABEL = "system_u:object_r:container_file_t:s0:c3,c7";

    @TempDir
    Path dir;
    @TempDir
    Path outside;

    @BeforeEach
    void needsRootAndTools() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "chcon sets security.* xattrs only as root; this test runs as " + System.getProperty("user.name"));
        assumeTrue(run(List.of("sh", "-c", "command -v chcon && command -v getfattr")).exit == 0,
                "needs chcon (coreutils) and getfattr (attr) on PATH");
    }

    @Test
    void labelsATreeRecursivelyWithoutFollowingSymlinks() throws Exception {
        Path volume = Files.createDirectories(dir.resolve("volume/sub"));
        Files.writeString(volume.resolve("file"), "x");
        Path sentinel = Files.writeString(outside.resolve("sentinel"), "keep");
        String before = label(sentinel);
        Files.createSymbolicLink(volume.resolve("escape"), sentinel);

        new ChconRelabeller("chcon").relabel(dir.resolve("volume"), LABEL);

        assertEquals(LABEL, label(dir.resolve("volume")));
        assertEquals(LABEL, label(volume));
        assertEquals(LABEL, label(volume.resolve("file")));
        assertEquals(before, label(sentinel), "chcon -h followed a symlink out of the volume");
    }

    @Test
    void aFailureReportsChconsStderr() {
        BerthException e = assertThrows(BerthException.class,
                () -> new ChconRelabeller("chcon").relabel(dir.resolve("missing"), LABEL));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("relabel " + dir.resolve("missing") + " as " + LABEL + " (chcon -R -h "),
                e.getMessage());
        assertTrue(e.getMessage().contains("exit status 1: chcon: cannot access"), e.getMessage());
    }

    @Test
    void aMissingChconIsReported() {
        BerthException e = assertThrows(BerthException.class,
                () -> new ChconRelabeller(dir.resolve("no-chcon").toString()).relabel(dir, LABEL));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("cannot run " + dir.resolve("no-chcon")), e.getMessage());
    }

    /** The security.selinux label of {@code path} (not following a final symlink), or "" when it has none. */
    private static String label(Path path) throws Exception {
        Result r = run(List.of("getfattr", "-h", "--only-values", "-n", "security.selinux", path.toString()));
        return r.exit == 0 ? r.out.replace("\0", "") : "";
    }

    private record Result(int exit, String out) {
    }

    private static Result run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }
}
