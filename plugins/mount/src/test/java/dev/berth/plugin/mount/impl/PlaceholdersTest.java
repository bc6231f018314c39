package dev.berth.plugin.mount.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which entries count as runtime placeholders, one case per row. */
class PlaceholdersTest {
    /** Makes the entry at a path. */
    interface Make {
        void at(Path path) throws Exception;
    }

    @TempDir
    Path tmp;

    private static final Make EMPTY_FILE = Files::createFile;
    private static final Make EMPTY_DIR = Files::createDirectory;

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of("etc/hosts", EMPTY_FILE, true),
                Arguments.of("etc/hostname", EMPTY_FILE, true),
                Arguments.of("etc/resolv.conf", EMPTY_FILE, true),
                Arguments.of(".dockerenv", EMPTY_FILE, true),
                Arguments.of("run/.containerenv", EMPTY_FILE, true),
                Arguments.of("proc", EMPTY_DIR, true),
                Arguments.of("sys", EMPTY_DIR, true),
                Arguments.of("dev/shm", EMPTY_DIR, true),
                Arguments.of("dev", (Make) p -> Files.createDirectories(p.resolve("pts")), true),
                Arguments.of("etc/hosts", (Make) p -> Files.writeString(p, "127.0.0.1 me"), false),
                Arguments.of("etc/passwd", EMPTY_FILE, false),
                Arguments.of("etc/hosts", (Make) p -> Files.createSymbolicLink(p, Path.of("/dev/null")), false),
                Arguments.of("proc", (Make) p -> Files.writeString(Files.createDirectory(p).resolve("x"), "x"), false),
                Arguments.of("dev", (Make) p -> Files.createFile(Files.createDirectories(p).resolve("null")), false),
                Arguments.of("etc", EMPTY_DIR, false));
    }

    @ParameterizedTest(name = "{0} #{index}")
    @MethodSource("rows")
    void recognises(String rel, Make make, boolean placeholder) throws Exception {
        Path path = tmp.resolve(rel);
        Files.createDirectories(path.getParent());
        make.at(path);
        assertEquals(placeholder, Placeholders.matches(rel, path, FileMeta.read(path)));
    }
}
