package dev.berth.plugin.mount.impl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads which paths are mount points from {@code /proc/self/mountinfo}; stateless and thread-safe. Every
 * answer is read afresh, since other processes mount and unmount at any time.
 *
 * <p>The kernel writes mount points with space, tab, newline and backslash as octal escapes
 * ({@code \040}); they are decoded here. Paths are compared by real path, as the kernel shows them.
 */
final class MountTable {
    static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private MountTable() {
    }

    /** Every mount point in this process's mount namespace, decoded. */
    static Set<Path> mountPoints() throws IOException {
        return Set.copyOf(parse(Files.readAllBytes(MOUNTINFO)));
    }

    /** The mount points (fifth field) of a mountinfo text, in order, duplicates kept. */
    static List<Path> parse(byte[] mountinfo) {
        List<Path> points = new ArrayList<>();
        String text = new String(mountinfo, StandardCharsets.ISO_8859_1);
        for (String line : text.split("\n")) {
            String[] fields = line.split(" ");
            if (fields.length > 4) {
                points.add(Path.of(decode(fields[4])));
            }
        }
        return points;
    }

    /**
     * Decodes the kernel's octal escapes ({@code \040} is a space) in a mountinfo field whose bytes were
     * read as ISO-8859-1; the result is the UTF-8 text of the path.
     */
    static String decode(String field) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                bytes.write(Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                bytes.write(c);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static boolean isOctal(String s, int from) {
        for (int i = from; i < from + 3; i++) {
            if (i >= s.length() || s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code path} is a mount point now; false if it does not exist. */
    static boolean isMounted(Path path) throws IOException {
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        return mountPoints().contains(path.toRealPath());
    }

    /** The mount points at or below {@code dir}, deepest first (the order to unmount them in). */
    static List<Path> mountsUnder(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        Path real = dir.toRealPath();
        return mountPoints().stream().filter(p -> p.startsWith(real))
                .sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                .collect(Collectors.toList());
    }
}
