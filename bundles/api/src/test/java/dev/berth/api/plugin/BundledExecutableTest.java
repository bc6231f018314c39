package dev.berth.api.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Programs carried in a bundle, put on disk under their digest (resources beside this class). */
class BundledExecutableTest {

    @TempDir
    Path dir;

    /** With or without a digest file (and with one that is not a digest), the file is named by its content. */
    static Stream<Arguments> programs() {
        return Stream.of(
                Arguments.of(Named.of("WithItsDigestFile", "tool")),
                Arguments.of(Named.of("WithoutDigestFile", "plain")),
                Arguments.of(Named.of("WithAGarbledDigestFile", "garbled")));
    }

    @ParameterizedTest
    @MethodSource("programs")
    void extractsUnderItsDigestAndReusesTheFile(String name) throws Exception {
        Path first = BundledExecutable.extract(BundledExecutableTest.class, name, dir.resolve("bin"));
        assertEquals(name + "-" + sha256(name).substring(0, 12), first.getFileName().toString());
        assertTrue(Files.isExecutable(first));
        assertEquals(new String(resource(name)), Files.readString(first));
        assertEquals(first, BundledExecutable.extract(BundledExecutableTest.class, name, dir.resolve("bin")));
        try (Stream<Path> files = Files.list(dir.resolve("bin"))) {
            assertEquals(1, files.count(), "no temporary file left beside it");
        }
    }

    @Test
    void aRecordedDigestFindsTheProgramWithoutReadingIt() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path placed = bin.resolve("tool-" + sha256("tool").substring(0, 12));
        Files.writeString(placed, "already here");
        placed.toFile().setExecutable(true);
        assertEquals(placed, BundledExecutable.extract(BundledExecutableTest.class, "tool", bin));
        assertEquals("already here", Files.readString(placed), "found by name, neither read nor rewritten");
    }

    @Test
    void aRecordedDigestNamesTheFileWithoutHashing() throws Exception {
        // liar.sha256 does not match liar: the name shows the recorded digest was taken as it is.
        Path placed = BundledExecutable.extract(BundledExecutableTest.class, "liar", dir.resolve("bin"));
        assertEquals("liar-000000000000", placed.getFileName().toString());
        assertEquals(new String(resource("liar")), Files.readString(placed));
    }

    @Test
    void aMissingProgramIsNamed() {
        IOException e = assertThrows(IOException.class,
                () -> BundledExecutable.extract(BundledExecutableTest.class, "nothing-here", dir.resolve("bin")));
        assertTrue(e.getMessage().contains("nothing-here program is missing"), e.getMessage());
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = BundledExecutableTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    private static String sha256(String name) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(resource(name)));
    }
}
