package dev.berth.launcher.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.launcher.daemon.BuiltinSet.BuiltinJar;
import dev.berth.launcher.daemon.CdsTraining.LoadedClass;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.osgi.framework.Bundle;

/** The training start's linking of loaded bundle classes, on a written class-load log and stand-in bundles. */
class CdsTrainingTest {

    @TempDir
    Path dir;

    @Test
    void aLineFromABundleJarNamesTheClassAndTheJar() {
        LoadedClass loaded = LoadedClass.parse("com.example.Thing source: file:/opt/berth/bundles/../bundles/x.jar");
        assertEquals("com.example.Thing", loaded.name());
        assertEquals(Path.of("/opt/berth/bundles/x.jar"), loaded.jar());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "",
        "no source at all",
        "com.example.Archived source: shared objects file (top)",
        "java.lang.Object source: jrt:/java.base",
        "com.example.Lambda$$Lambda$12/0x0000000800c0b000 source: com.example.Lambda",
        " source: file:/opt/x.jar",
        "two words source: file:/opt/x.jar",
        "com.example.Text source: file:/opt/x.txt",
        "com.example.BadUri source: file:/opt/%zz.jar",
        "com.example.Remote source: https://example.invalid/x.jar",
    })
    void lineThatNamesNoClassFromAJarIsSkipped(String line) {
        assertNull(LoadedClass.parse(line));
    }

    @Test
    void linksEachLoggedClassOnceThroughItsBundleAndReadsTheLogAgainUntilNothingIsNew() throws Exception {
        Path jar = dir.resolve("a.jar");
        Path other = dir.resolve("not-a-builtin.jar");
        Path log = dir.resolve("classes.log");
        Files.write(log, List.of(
                "java.lang.Runnable source: " + jar.toUri(),
                "java.lang.Runnable source: " + jar.toUri(),
                "java.lang.Thread source: " + other.toUri(),
                "com.example.Missing source: " + jar.toUri(),
                "java.lang.String source: shared objects file (top)"));
        List<String> asked = new ArrayList<>();
        // Linking one class makes the JVM load another: the log grows while it is read.
        Bundle bundle = bundle(name -> {
            asked.add(name);
            if (name.equals("java.lang.Runnable")) {
                append(log, "java.lang.StringBuilder source: " + jar.toUri());
            }
            return name;
        });
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int linked = new CdsTraining(log).linkLoadedClasses(List.of(bundle),
                List.of(new BuiltinJar("a", "1.0.0", jar)), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertEquals(List.of("java.lang.Runnable", "com.example.Missing", "java.lang.StringBuilder"), asked);
        assertEquals(2, linked);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("linked 2 bundle classes for the archive (1 could not"
                + " be linked)"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aMissingLogIsReportedNotThrown() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int linked = new CdsTraining(dir.resolve("absent.log")).linkLoadedClasses(List.of(), List.of(),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, linked);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("cannot read the class-load log"));
    }

    @Test
    void onlyATrainingStartHasTheStep() {
        String before = System.getProperty(CdsTraining.PROPERTY);
        try {
            System.clearProperty(CdsTraining.PROPERTY);
            assertTrue(CdsTraining.fromProperties().isEmpty());
            System.setProperty(CdsTraining.PROPERTY, dir.resolve("classes.log").toString());
            assertTrue(CdsTraining.fromProperties().isPresent());
        } finally {
            if (before == null) {
                System.clearProperty(CdsTraining.PROPERTY);
            } else {
                System.setProperty(CdsTraining.PROPERTY, before);
            }
        }
    }

    /** A bundle whose loadClass asks {@code names} for the class name to load from this test's loader. */
    private static Bundle bundle(Function<String, String> names) {
        Map<String, Class<?>> known = Map.of("java.lang.Runnable", Runnable.class,
                "java.lang.StringBuilder", StringBuilder.class);
        return (Bundle) Proxy.newProxyInstance(CdsTrainingTest.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("loadClass")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    Class<?> type = known.get(names.apply((String) args[0]));
                    if (type == null) {
                        throw new ClassNotFoundException((String) args[0]);
                    }
                    return type;
                });
    }

    private static void append(Path log, String line) {
        try {
            Files.writeString(log, line + "\n", StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
