package dev.berth.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Scratch directories for benchmarks on a real disk: under {@code /var/tmp} (not a tmpfs, so fsync
 * costs what it costs in production) unless the system property {@code berth.bench.dir} names another
 * parent. Stateless and thread-safe.
 */
final class BenchDirectory {
    private BenchDirectory() {
    }

    static Path create(String prefix) {
        try {
            Path parent = Path.of(System.getProperty("berth.bench.dir", "/var/tmp"));
            Files.createDirectories(parent);
            return Files.createTempDirectory(parent, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
