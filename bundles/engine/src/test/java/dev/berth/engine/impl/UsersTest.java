package dev.berth.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** exec -u NAME resolved from the container's own files, and the hostile trees that must not be followed. */
class UsersTest {
    @TempDir
    Path dir;
    Path rootfs;
    Path host;

    @BeforeEach
    void tree() throws Exception {
        rootfs = Files.createDirectories(dir.resolve("rootfs"));
        host = Files.createDirectories(dir.resolve("host"));
        Files.writeString(host.resolve("passwd"), "hostonly:x:4242:4242::/:/bin/sh\n");
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\nstaff:x:50:\n");
    }

    @Test
    void namesAndNumbersResolve() throws Exception {
        assertEquals("1000:1001", Users.resolve(rootfs, "app"));
        assertEquals("1000:50", Users.resolve(rootfs, "app:staff"));
        assertEquals("7:0", Users.resolve(rootfs, "7"));
        assertEquals("7:50", Users.resolve(rootfs, "7:staff"));
    }

    @Test
    void unknownUserIsInvalidNamingIt() {
        BerthException e = assertThrows(BerthException.class, () -> Users.resolve(rootfs, "captain"));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("captain"), e.getMessage());
    }

    @Test
    void passwdLinkedToTheHostIsNotFollowed() throws Exception {
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), host.resolve("passwd"));
        BerthException e = assertThrows(BerthException.class, () -> Users.resolve(rootfs, "hostonly"));
        assertEquals(ErrorKind.INVALID, e.kind());
    }

    @Test
    void etcLinkedToTheHostIsNotFollowed() throws Exception {
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.delete(rootfs.resolve("etc/group"));
        Files.delete(rootfs.resolve("etc"));
        Files.createSymbolicLink(rootfs.resolve("etc"), host);
        BerthException e = assertThrows(BerthException.class, () -> Users.resolve(rootfs, "hostonly"));
        assertEquals(ErrorKind.INVALID, e.kind());
    }

    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        Files.delete(rootfs.resolve("etc/passwd"));
        Process mkfifo = new ProcessBuilder("mkfifo", rootfs.resolve("etc/passwd").toString()).start();
        assertEquals(0, mkfifo.waitFor());
        BerthException e = assertThrows(BerthException.class, () -> Users.resolve(rootfs, "app"));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }
}
