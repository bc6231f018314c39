package dev.berth.plugin.spec.impl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Test fixture: a small image root filesystem under a temporary folder, with fluent helpers. */
final class Rootfs {
    static final String PASSWD = """
            root:x:0:0:root:/root:/bin/sh
            nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
            app:x:1000:1000:app:/home/app:/bin/sh
            """;
    static final String GROUP = """
            root:x:0:
            app:x:1000:
            extra:x:2000:app
            nogroup:x:65534:
            """;

    final Path root;

    private Rootfs(Path root) {
        this.root = root;
    }

    /** A rootfs with bin/busybox, bin/sh, usr/local/bin/tool, a bin/data file, etc/passwd and etc/group. */
    static Rootfs standard(Path dir) {
        return new Rootfs(dir).dir("bin").dir("usr/bin").dir("usr/local/bin").dir("etc")
                .executable("bin/busybox").executable("bin/sh").executable("usr/local/bin/tool")
                .file("bin/data", "not a program").file("etc/passwd", PASSWD).file("etc/group", GROUP);
    }

    /** An empty rootfs. */
    static Rootfs empty(Path dir) {
        return new Rootfs(dir);
    }

    Rootfs dir(String path) {
        try {
            Files.createDirectories(root.resolve(path));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Rootfs file(String path, String content) {
        try {
            Files.createDirectories(root.resolve(path).getParent());
            Files.writeString(root.resolve(path), content, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(root.resolve(path), PosixFilePermissions.fromString("rw-r--r--"));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Rootfs executable(String path) {
        file(path, "#!/bin/sh\n");
        try {
            Files.setPosixFilePermissions(root.resolve(path), PosixFilePermissions.fromString("rwxr-xr-x"));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Rootfs link(String path, String target) {
        try {
            Files.createDirectories(root.resolve(path).getParent());
            Files.deleteIfExists(root.resolve(path));
            Files.createSymbolicLink(root.resolve(path), Path.of(target));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Rootfs delete(String path) {
        try {
            Files.deleteIfExists(root.resolve(path));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
