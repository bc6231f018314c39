package dev.berth.plugin.spec.impl;

import static dev.berth.plugin.spec.impl.Bundle.generate;
import static dev.berth.plugin.spec.impl.Bundle.image;
import static dev.berth.plugin.spec.impl.Bundle.request;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.GeneratedSpec;
import dev.berth.api.container.RunOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Named hostile images: links that try to make the spec stage read host files instead of the image's.
 * Each test checks that a sentinel file outside the rootfs is unchanged and that a refused request leaves
 * the bundle directory empty.
 */
class HostileRootfsTest {
    @TempDir
    Path dir;
    Path rootfs;
    Path bundle;
    Path sentinel;
    byte[] sentinelBytes;

    @BeforeEach
    void setUp() throws Exception {
        rootfs = Files.createDirectory(dir.resolve("rootfs"));
        bundle = Files.createDirectory(dir.resolve("bundle"));
        sentinel = Files.writeString(dir.resolve("sentinel"),
                "root:x:0:0:host sentinel:/:/bin/sh\nspy:x:31337:app\n");
        sentinelBytes = Files.readAllBytes(sentinel);
    }

    private void assertSentinelUnchanged() throws Exception {
        assertArrayEquals(sentinelBytes, Files.readAllBytes(sentinel));
    }

    private GeneratedSpec run(String user) throws BerthException {
        return generate(request(rootfs, bundle, image("{\"Cmd\":[\"sh\"],\"User\":\"" + user + "\"}"),
                RunOptions.defaults()));
    }

    /** /etc/passwd in the image is a link to the host's /etc/shadow: it must be read as the image's /etc/shadow. */
    @Test
    void PasswdLinkedToHostShadow() throws Exception {
        Rootfs image = Rootfs.standard(rootfs).link("etc/passwd", "/etc/shadow")
                .file("etc/shadow", "app:x:4321:4321::/:/bin/sh\n");
        assertEquals(4321, run("app").uid(), "the image's /etc/shadow was read");
        image.delete("etc/shadow");
        BerthException e = assertThrows(BerthException.class, () -> run("root"));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertEquals("unable to find user root: no matching entries in passwd file", e.getMessage(),
                "the host's /etc/shadow (which names root) must never be read");
        assertEquals(0, run("0").uid(), "numeric users need no passwd file");
        assertSentinelUnchanged();
    }

    /** /etc/passwd links with a long chain of ../ towards the host's sentinel file. */
    @Test
    void PasswdDotDotEscape() throws Exception {
        Rootfs.standard(rootfs).link("etc/passwd", "../../../../../../../../" + sentinel.toString().substring(1));
        BerthException e = assertThrows(BerthException.class, () -> run("root"));
        assertEquals("unable to find user root: no matching entries in passwd file", e.getMessage());
        assertEquals(List.of(), Bundle.listing(bundle));
        assertSentinelUnchanged();
    }

    /** /etc/group links to the host sentinel through an absolute path that only exists on the host. */
    @Test
    void GroupAbsoluteSymlinkEscape() throws Exception {
        Rootfs.standard(rootfs).link("etc/group", sentinel.toString());
        GeneratedSpec spec = run("app");
        assertEquals(1000, spec.gid());
        assertTrue(Bundle.read(Path.of(spec.path())).path("process").path("user").path("additionalGids")
                .isMissingNode(), "no groups read from the host (its sentinel makes app a member of 31337)");
        assertSentinelUnchanged();
    }

    /** /etc/passwd is a directory link loop: refused, nothing written. */
    @Test
    void PasswdSymlinkLoop() throws Exception {
        Rootfs.standard(rootfs).link("etc/passwd", "passwd2").link("etc/passwd2", "/etc/passwd");
        BerthException e = assertThrows(BerthException.class, () -> run("app"));
        assertEquals("read /etc/passwd in the image: too many levels of symbolic links", e.getMessage());
        assertEquals(List.of(), Bundle.listing(bundle));
    }

    /** /etc/passwd is a FIFO: reading it would block forever; it reads as absent. */
    @Test
    void PasswdIsFifo() throws Exception {
        Rootfs.standard(rootfs).delete("etc/passwd");
        Process mkfifo = new ProcessBuilder("mkfifo", rootfs.resolve("etc/passwd").toString()).start();
        assertEquals(0, mkfifo.waitFor());
        assertEquals(1000, run("1000").uid());
        assertThrows(BerthException.class, () -> run("app"));
    }

    /** The command is a link to a host-only binary through the rootfs's parent folders. */
    @Test
    void CommandLinkedOutOfTheRootfs() throws Exception {
        Rootfs.standard(rootfs).link("usr/bin/escape", "../../../../../../usr/bin/env");
        BerthException e = assertThrows(BerthException.class, () -> generate(request(rootfs, bundle,
                image("{\"Cmd\":[\"escape\"]}"), RunOptions.defaults())));
        assertEquals("exec: \"escape\": executable file not found in $PATH", e.getMessage());
        assertEquals(List.of(), Bundle.listing(bundle));
    }
}
