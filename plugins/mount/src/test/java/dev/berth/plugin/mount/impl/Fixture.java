package dev.berth.plugin.mount.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** Test helpers: layer snapshots in overlay format, tree descriptions, host commands and mount clean-up. */
final class Fixture {
    static final String ID_A = "a".repeat(64);
    static final String ID_B = "b".repeat(64);
    static final FileTime OLD = FileTime.fromMillis(1_000_000_000_000L);

    private Fixture() {
    }

    /** Skips (with the reason printed) unless the tests run as root, which mounting needs. */
    static void assumeRoot() throws IOException {
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        Assumptions.assumeTrue(Integer.valueOf(0).equals(uid),
                "mount stage tests need root (mount, mknod, trusted.* xattrs); running as uid " + uid);
    }

    /** Runs a host command, failing the test if it fails. */
    static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    }

    /** Makes {@code path} an overlay whiteout (0:0 character device). */
    static void whiteout(Path path) throws IOException, InterruptedException {
        run("mknod", path.toString(), "c", "0", "0");
    }

    /** Marks the directory {@code dir} opaque. */
    static void opaque(Path dir) throws IOException, InterruptedException {
        run("setfattr", "-n", "trusted.overlay.opaque", "-v", "y", dir.toString());
    }

    /**
     * The two layers of the brief, bottom first: bottom holds a, b, c, d/{x,y}; top deletes a with a
     * whiteout, changes b, and makes d opaque holding only z.
     */
    static List<Path> twoLayers(Path tmp) throws IOException, InterruptedException {
        Path bottom = Files.createDirectories(tmp.resolve("layers/bottom"));
        Files.writeString(bottom.resolve("a"), "a from bottom");
        Files.writeString(bottom.resolve("b"), "b from bottom");
        Files.writeString(bottom.resolve("c"), "c from bottom");
        Files.createDirectory(bottom.resolve("d"));
        Files.writeString(bottom.resolve("d/x"), "x");
        Files.writeString(bottom.resolve("d/y"), "y");
        Path top = Files.createDirectories(tmp.resolve("layers/top"));
        whiteout(top.resolve("a"));
        Files.writeString(top.resolve("b"), "b from top");
        Files.createDirectory(top.resolve("d"));
        opaque(top.resolve("d"));
        Files.writeString(top.resolve("d/z"), "z");
        return List.of(bottom, top);
    }

    static List<String> strings(List<Path> paths) {
        return paths.stream().map(Path::toString).toList();
    }

    /** One line per path below {@code root} (root excluded): type and mode, owner, size or target, mtime, content. */
    static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.equals(root)) {
                    continue;
                }
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,rdev,size,lastModifiedTime",
                        LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                StringBuilder sb = new StringBuilder(Integer.toOctalString(mode)).append(' ')
                        .append(a.get("uid")).append(':').append(a.get("gid"));
                switch (mode & 0170000) {
                    case 0100000 -> sb.append(" size=").append(a.get("size")).append(" '")
                            .append(Files.readString(p)).append('\'');
                    case 0120000 -> sb.append(" -> ").append(Files.readSymbolicLink(p));
                    case 0020000, 0060000 -> sb.append(" rdev=").append(a.get("rdev"));
                    default -> { }
                }
                if ((mode & 0170000) != 0120000) {
                    sb.append(" mtime=").append(((FileTime) a.get("lastModifiedTime")).toMillis() / 1000);
                }
                out.put(root.relativize(p).toString(), sb.toString());
            }
        }
        return out;
    }

    /** The names directly in {@code dir}, sorted. */
    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Mount points at or below {@code dir}, read from /proc/self/mountinfo independently of the code under test. */
    static List<String> mountsUnder(Path dir) throws IOException {
        String real = dir.toRealPath().toString();
        List<String> points = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.ISO_8859_1)) {
            String point = unescape(line.split(" ")[4]);
            if (point.equals(real) || point.startsWith(real + "/")) {
                points.add(point);
            }
        }
        return points;
    }

    /** Undoes the kernel's mountinfo escapes of space, tab, newline and backslash. */
    private static String unescape(String field) {
        return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n")
                .replace("\\134", "\\");
    }

    /** Unmounts everything at or below {@code dir}, deepest first, lazily if it is busy; for @AfterEach. */
    static void unmountAll(Path dir) throws IOException, InterruptedException {
        List<String> points = new ArrayList<>(mountsUnder(dir));
        points.sort(Comparator.comparingInt(String::length).reversed());
        for (String point : points) {
            Process p = new ProcessBuilder("umount", point).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                new ProcessBuilder("umount", "-l", point).start().waitFor();
            }
        }
    }
}
