package dev.berth.plugin.expand.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Test helpers that describe file trees and run host commands; stateless and thread-safe. */
final class Trees {
    private Trees() {
    }

    /** lstat-style attributes: mode (with type bits), uid, gid, rdev, ino, nlink, size, mtime. */
    static Map<String, Object> unix(Path p) throws IOException {
        return Files.readAttributes(p, "unix:mode,uid,gid,rdev,ino,nlink,size,lastModifiedTime",
                LinkOption.NOFOLLOW_LINKS);
    }

    static int mode(Path p) throws IOException {
        return (Integer) unix(p).get("mode");
    }

    /** One line per path below {@code root}: type, mode, owner, size, link target, file mtime, content hash. */
    static Map<String, String> describe(Path root, boolean withContent) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Map<String, Object> a = unix(p);
                int mode = (Integer) a.get("mode");
                int type = mode & 0170000;
                StringBuilder sb = new StringBuilder();
                sb.append(Integer.toOctalString(mode)).append(' ').append(a.get("uid")).append(':').append(a.get("gid"));
                if (type == 0100000) {
                    sb.append(" size=").append(a.get("size"))
                            .append(" mtime=").append(((FileTime) a.get("lastModifiedTime")).toMillis() / 1000);
                    if (withContent) {
                        sb.append(" sha=").append(sha256(p));
                    }
                } else if (type == 0120000) {
                    sb.append(" -> ").append(Files.readSymbolicLink(p));
                } else if (type == 0020000 || type == 0060000) {
                    sb.append(" rdev=").append(a.get("rdev"));
                }
                out.put(root.relativize(p).toString(), sb.toString());
            }
        }
        return out;
    }

    static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command; returns stdout+stderr, or throws if it fails and {@code check}. */
    static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    record Result(int rc, String output) {
    }

    static void check(List<String> cmd) throws IOException, InterruptedException {
        Result r = run(cmd);
        assertEquals(0, r.rc(), cmd + ": " + r.output());
    }

    /** The raw value of an xattr, read without following symlinks, or null if absent. */
    static String xattr(Path p, String name) throws IOException, InterruptedException {
        Result r = run(List.of("getfattr", "-h", "--absolute-names", "--only-values", "-n", name, p.toAbsolutePath().toString()));
        return r.rc() == 0 ? r.output() : null;
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
