package dev.berth.launcher.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.launcher.daemon.BuiltinSet.BuiltinJar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
}
