package dev.berth.launcher.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.launcher.daemon.BuiltinSet.BuiltinJar;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Matching a bundles folder against a list of symbolic names, on synthetic jars. */
class BuiltinSetTest {

    @TempDir
    Path home;

    private Path bundles;

    @BeforeEach
    void createFolder() throws Exception {
        bundles = Files.createDirectory(home.resolve("bundles"));
    }

    @Test
    void returnsTheJarsInListOrderNotFileOrder() throws Exception {
        TestJars.bundle(bundles, "a-second.jar", "second");
        TestJars.bundle(bundles, "z-first.jar", "first");
        Files.writeString(bundles.resolve("README.txt"), "not a jar, ignored");

        List<BuiltinJar> jars = BuiltinSet.resolve(bundles, List.of("first", "second"));

        assertEquals(List.of("first", "second"), jars.stream().map(BuiltinJar::symbolicName).toList());
        assertEquals(bundles.resolve("z-first.jar"), jars.get(0).jar());
        assertEquals("1.2.3", jars.get(0).version());
    }

    @Test
    void unlistedJarIsRefusedWithAPointerToPlugins() throws Exception {
        TestJars.bundle(bundles, "first.jar", "first");
        TestJars.bundle(bundles, "foo.jar", "com.example.foo");

        DaemonException e = assertThrows(DaemonException.class, () -> BuiltinSet.resolve(bundles, List.of("first")));

        assertEquals("bundles/foo.jar is not a built-in; drop plugins into plugins/", e.getMessage());
    }

    @Test
    void jarWithoutSymbolicNameIsNotABuiltin() throws Exception {
        TestJars.bundle(bundles, "first.jar", "first");
        TestJars.bundle(bundles, "plain.jar", null);

        DaemonException e = assertThrows(DaemonException.class, () -> BuiltinSet.resolve(bundles, List.of("first")));

        assertEquals("bundles/plain.jar is not a built-in; drop plugins into plugins/", e.getMessage());
    }

    @Test
    void missingListedBundleIsNamed() throws Exception {
        TestJars.bundle(bundles, "first.jar", "first");

        DaemonException e = assertThrows(DaemonException.class,
                () -> BuiltinSet.resolve(bundles, List.of("first", "dev.berth.engine")));

        assertEquals("built-in bundle dev.berth.engine is missing from " + bundles, e.getMessage());
    }

    @Test
    void everyProblemIsReportedAtOnce() throws Exception {
        TestJars.bundle(bundles, "extra.jar", "extra");

        DaemonException e = assertThrows(DaemonException.class, () -> BuiltinSet.resolve(bundles, List.of("first")));

        assertEquals("bundles/extra.jar is not a built-in; drop plugins into plugins/; "
                + "built-in bundle first is missing from " + bundles, e.getMessage());
    }

    @Test
    void twoJarsOfOneBundleAreRefused() throws Exception {
        TestJars.bundle(bundles, "first-1.jar", "first");
        TestJars.bundle(bundles, "first-2.jar", "first");

        DaemonException e = assertThrows(DaemonException.class, () -> BuiltinSet.resolve(bundles, List.of("first")));

        assertEquals("bundles/first-1.jar and bundles/first-2.jar are both first; keep one", e.getMessage());
    }

    @Test
    void missingFolderIsNamed() {
        Path missing = home.resolve("nothing-here");

        DaemonException e = assertThrows(DaemonException.class, () -> BuiltinSet.resolve(missing, List.of("first")));

        assertEquals("bundle folder " + missing + " is missing; is the distribution complete?", e.getMessage());
    }

    // ---- withUpdates: <root>/builtins/<symbolic name>.jar in place of the distribution's jar ----------------

    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String errText() {
        err.flush();
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    /** The two built-ins of the distribution, both at 1.2.3. */
    private List<BuiltinJar> distribution() throws Exception {
        TestJars.bundle(bundles, "first.jar", "first");
        TestJars.bundle(bundles, "second.jar", "second");
        return BuiltinSet.resolve(bundles, List.of("first", "second"));
    }

    /** An update jar for {@code updates} with this symbolic name and version. */
    private static Path update(Path updates, String fileName, String symbolicName, String version) throws Exception {
        return TestJars.bundle(updates, fileName, symbolicName, Map.of("Bundle-Version", version));
    }

    @Test
    void withoutAnUpdatesFolderTheBuiltinsStayAsTheyAre() throws Exception {
        List<BuiltinJar> jars = distribution();

        assertSame(jars, BuiltinSet.withUpdates(jars, home.resolve("root/builtins"), err));
        assertEquals("", errText());
    }

    @Test
    void anUpdatesPathThatIsAFileIsNoFolderOfUpdates() throws Exception {
        List<BuiltinJar> jars = distribution();
        Path notAFolder = Files.writeString(home.resolve("builtins"), "a file, not a folder");

        assertSame(jars, BuiltinSet.withUpdates(jars, notAFolder, err));
        assertEquals("", errText());
    }

    @Test
    void anEmptyUpdatesFolderChangesNothing() throws Exception {
        List<BuiltinJar> jars = distribution();
        Path updates = Files.createDirectories(home.resolve("root/builtins"));

        assertEquals(jars, BuiltinSet.withUpdates(jars, updates, err));
        assertEquals("", errText());
    }

    @Test
    void anUpdateWithTheSameSymbolicNameReplacesTheBuiltinAndSaysSo() throws Exception {
        List<BuiltinJar> jars = distribution();
        Path updates = Files.createDirectories(home.resolve("root/builtins"));
        Path jar = update(updates, "second.jar", "second;singleton:=true", "2.0.0.v20261129");

        List<BuiltinJar> chosen = BuiltinSet.withUpdates(jars, updates, err);

        assertEquals(List.of(jars.get(0), new BuiltinJar("second", "2.0.0.v20261129", jar)), chosen,
                "same order, only the updated one replaced, version from the update");
        assertEquals(List.of("berth daemon: second 2.0.0.v20261129 from " + jar
                + " (updated with berth plugin update) in place of 1.2.3"), errText().lines().toList());
        assertThrows(UnsupportedOperationException.class, () -> chosen.remove(0));
    }

    @Test
    void anUpdateWithoutAVersionCountsAsZero() throws Exception {
        List<BuiltinJar> jars = distribution();
        Path updates = Files.createDirectories(home.resolve("builtins"));
        Path jar = updates.resolve("first.jar");
        // TestJars always writes a Bundle-Version; this one has none at all.
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar), manifest("first", null))) {
            out.flush();
        }

        List<BuiltinJar> chosen = BuiltinSet.withUpdates(jars, updates, err);

        assertEquals(new BuiltinJar("first", "0.0.0", jar), chosen.get(0));
        assertTrue(errText().contains("first 0.0.0 from " + jar), errText());
    }

    private static java.util.jar.Manifest manifest(String symbolicName, String version) {
        java.util.jar.Manifest manifest = new java.util.jar.Manifest();
        manifest.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        if (symbolicName != null) {
            manifest.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
            manifest.getMainAttributes().putValue("Bundle-SymbolicName", symbolicName);
        }
        if (version != null) {
            manifest.getMainAttributes().putValue("Bundle-Version", version);
        }
        return manifest;
    }

    /** Writes a hostile file in place of {@code builtins/first.jar}. */
    interface Hostile {
        void write(Path updates) throws Exception;
    }

    static Stream<Arguments> ignoredUpdates() {
        return Stream.of(
                Arguments.of("NamesAnotherBundle", (Hostile) u -> update(u, "first.jar", "second", "9.0.0"),
                        "ignoring update %s: it is second, not first"),
                Arguments.of("NamesABundleThatIsNoBuiltin", (Hostile) u -> update(u, "first.jar", "com.example.evil",
                        "9.0.0"), "ignoring update %s: it is com.example.evil, not first"),
                Arguments.of("NameDiffersOnlyInCase", (Hostile) u -> update(u, "first.jar", "First", "9.0.0"),
                        "ignoring update %s: it is First, not first"),
                Arguments.of("NoSymbolicName", (Hostile) u -> TestJars.bundle(u, "first.jar", null),
                        "ignoring update %s: it is "),
                Arguments.of("NotAZipAtAll", (Hostile) u -> Files.writeString(u.resolve("first.jar"),
                        "#!/bin/sh\necho not a jar\n"), "ignoring update %s: cannot read builtins/first.jar"),
                Arguments.of("EmptyFile", (Hostile) u -> Files.createFile(u.resolve("first.jar")),
                        "ignoring update %s: cannot read builtins/first.jar"),
                Arguments.of("TruncatedJar", (Hostile) u -> {
                    Path jar = update(u, "first.jar", "first", "9.0.0");
                    byte[] bytes = Files.readAllBytes(jar);
                    Files.write(jar, java.util.Arrays.copyOf(bytes, bytes.length / 2));
                }, "ignoring update %s: cannot read builtins/first.jar"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ignoredUpdates")
    void aBadUpdateIsIgnoredWithAWarningAndTheBuiltinKept(String name, Hostile hostile, String warning)
            throws Exception {
        List<BuiltinJar> jars = distribution();
        Path updates = Files.createDirectories(home.resolve("root/builtins"));
        hostile.write(updates);

        List<BuiltinJar> chosen = BuiltinSet.withUpdates(jars, updates, err);

        assertEquals(jars, chosen, "the distribution's jars are kept");
        List<String> lines = errText().lines().toList();
        assertEquals(1, lines.size(), errText());
        assertTrue(lines.get(0).startsWith("berth daemon: " + warning.formatted(updates.resolve("first.jar"))),
                lines.get(0));
    }

    @Test
    void aFolderNamedLikeAnUpdateIsNotAnUpdate() throws Exception {
        List<BuiltinJar> jars = distribution();
        Path updates = Files.createDirectories(home.resolve("builtins"));
        Files.createDirectories(updates.resolve("first.jar"));

        assertEquals(jars, BuiltinSet.withUpdates(jars, updates, err));
    }

    @Test
    void updatesAreFoundBySymbolicNameNotByWhatTheirFileSays() throws Exception {
        List<BuiltinJar> jars = distribution();
        Path updates = Files.createDirectories(home.resolve("builtins"));
        update(updates, "first-2.0.0.jar", "first", "2.0.0");   // not named <symbolic name>.jar: not looked at
        update(updates, "stray.jar", "stray", "1.0.0");         // no such built-in: not looked at

        assertEquals(jars, BuiltinSet.withUpdates(jars, updates, err));
        assertEquals("", errText());
    }

    @Test
    void oneBadUpdateDoesNotStopAGoodOne() throws Exception {
        List<BuiltinJar> jars = distribution();
        Path updates = Files.createDirectories(home.resolve("builtins"));
        Files.writeString(updates.resolve("first.jar"), "garbage");
        Path good = update(updates, "second.jar", "second", "1.3.0");

        List<BuiltinJar> chosen = BuiltinSet.withUpdates(jars, updates, err);

        assertEquals(List.of(jars.get(0), new BuiltinJar("second", "1.3.0", good)), chosen);
        List<String> lines = errText().lines().toList();
        assertEquals(2, lines.size(), errText());
        assertTrue(lines.get(0).startsWith("berth daemon: ignoring update " + updates.resolve("first.jar")), lines.get(0));
        assertTrue(lines.get(1).startsWith("berth daemon: second 1.3.0 from " + good), lines.get(1));
    }
}
