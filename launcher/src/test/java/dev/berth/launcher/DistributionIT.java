package dev.berth.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.launcher.daemon.ProcessUser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged distribution: layout, and {@code bin/berth} run as a process without a daemon. */
class DistributionIT {

    @TempDir
    Path temp;

    @Test
    void layout() throws Exception {
        Path home = Distribution.home();
        assertTrue(Files.isExecutable(home.resolve("bin/berth")), "bin/berth is executable");
        assertTrue(Files.isRegularFile(home.resolve("lib/berth-launcher-" + BerthVersion.get() + ".jar")));
        try (var lib = Files.list(home.resolve("lib"))) {
            List<String> names = lib.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(5, names.stream().filter(n -> n.endsWith(".jar")).count(), names.toString());
            for (String prefix : List.of("org.apache.felix.framework-7.0.5", "jackson-core-", "jackson-databind-",
                    "jackson-annotations-")) {
                assertTrue(names.stream().anyMatch(n -> n.startsWith(prefix)), prefix + " missing from " + names);
            }
        }
        assertTrue(Files.isDirectory(home.resolve("plugins")));
    }

    @Test
    void tarballHoldsTheSameTreeWithAnExecutableCommandAndScriptAndAnEmptyPluginsFolder() throws Exception {
        Path tarball = Distribution.home().resolveSibling("berth.tar.gz");
        Process tar = new ProcessBuilder("tar", "tzvf", tarball.toString()).redirectErrorStream(true).start();
        String listing = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, tar.waitFor(), listing);

        assertTrue(listing.lines().anyMatch(l -> l.startsWith("-rwxr-xr-x") && l.endsWith(" berth/bin/berth")),
                listing);
        assertTrue(listing.lines().anyMatch(l -> l.startsWith("-rwxr-xr-x") && l.endsWith(" berth/lib/berth-jvm")),
                listing);
        assertTrue(listing.lines().anyMatch(l -> l.startsWith("d") && l.endsWith(" berth/plugins/")), listing);
        assertFalse(listing.lines().anyMatch(l -> l.contains(" berth/plugins/") && !l.endsWith(" berth/plugins/")),
                "plugins/ ships empty:\n" + listing);
        assertTrue(listing.contains(" berth/bundles/org.apache.felix.scr-2.2.18.jar"), listing);
        assertTrue(listing.contains(" berth/lib/berth-launcher-" + BerthVersion.get() + ".jar"), listing);
    }

    @Test
    void helpExitsZero() throws Exception {
        Distribution.Result result = Distribution.berth("--help");
        assertEquals(0, result.code(), result.toString());
        assertTrue(result.out().startsWith("Usage: berth"), result.toString());
    }

    @Test
    void unknownCommandExitsTwo() throws Exception {
        Distribution.Result result = Distribution.berth("launch");
        assertEquals(2, result.code(), result.toString());
        assertTrue(result.err().startsWith("berth: unknown command 'launch'\n"), result.toString());
    }

    @Test
    void commandIsANativeProgramNotAScript() throws Exception {
        // bash took 4 ms to reach the native client, more than the client's whole exchange with a daemon.
        byte[] head = new byte[4];
        try (var in = Files.newInputStream(Distribution.script())) {
            assertEquals(4, in.readNBytes(head, 0, 4));
        }
        assertEquals("\u007fELF", new String(head, StandardCharsets.ISO_8859_1), "bin/berth is an ELF program");
        assertTrue(Files.isExecutable(Distribution.home().resolve("lib/berth-jvm")), "lib/berth-jvm is executable");
    }

    @Test
    void jvmClientWhenAskedForEvenWithoutADaemonSocketPath() throws Exception {
        // BERTH_JVM_CLIENT=1 takes lib/berth-jvm at once; a bogus client JVM option proves a JVM was started.
        Distribution.Result result = Distribution.run(Distribution.script(),
                Map.of("BERTH_JVM_CLIENT", "1", "BERTH_CLIENT_OPTS", "-XX:+NoSuchBerthTestOption"), "version");

        assertEquals(1, result.code(), result.toString());
        assertTrue(result.err().contains("NoSuchBerthTestOption"), result.toString());
    }

    @Test
    void scriptFindsItsHomeThroughASymlink() throws Exception {
        Path link = Files.createSymbolicLink(temp.resolve("berth"), Distribution.script());
        Path socket = temp.resolve("none.sock");

        Distribution.Result result = Distribution.run(link, Map.of(), "-H", "unix://" + socket, "version");
        Files.delete(link);

        assertEquals(3, result.code(), result.toString());
        assertTrue(result.out().startsWith("Client:\n Version:      " + BerthVersion.get() + "\n"), result.toString());
        assertEquals("berth: cannot reach the berth daemon at unix://" + socket
                + " (no such socket); start one with: berth daemon\n", result.err());
    }

    @Test
    void clientNeverLoadsFelix() throws Exception {
        Distribution.Result result = Distribution.run(Distribution.script(),
                Map.of("BERTH_CLIENT_OPTS", "-Xlog:class+load=info:stdout"),
                "-H", "unix://" + temp.resolve("none.sock"), "info");

        assertEquals(3, result.code(), result.err());
        assertTrue(result.out().contains("dev.berth.launcher.cli.Cli "), "class loading was not logged");
        assertFalse(result.out().contains("org.apache.felix"), "the CLI loaded a Felix class");
        assertFalse(result.out().contains("org.osgi"), "the CLI loaded an OSGi class");
    }

    @Test
    void clientUsesTheClassDataArchiveBuiltForIt() throws Exception {
        assertTrue(Files.isRegularFile(Distribution.home().resolve("lib/client.jsa")), "lib/client.jsa was built");

        // The JVM client, even if a daemon on this machine serves the native client's fast path.
        Distribution.Result result = Distribution.run(Distribution.script(),
                Map.of("BERTH_CLIENT_OPTS", "-Xlog:class+load=info:stdout", "BERTH_JVM_CLIENT", "1"), "--help");

        assertEquals(0, result.code(), result.err());
        assertTrue(result.out().contains("dev.berth.launcher.cli.Cli source: shared objects file"),
                "Cli was not loaded from lib/client.jsa");
    }

    @Test
    void unusableClassDataArchiveIsIgnoredSilently() throws Exception {
        Path copy = temp.resolve("berth");
        copyTree(Distribution.home(), copy);
        Files.writeString(copy.resolve("lib/client.jsa"), "not an archive");

        Distribution.Result result = Distribution.run(copy.resolve("bin/berth"), Map.of(), "-H",
                "unix://" + temp.resolve("none.sock"), "version");

        assertEquals(3, result.code(), result.toString());
        assertTrue(result.out().startsWith("Client:\n"), result.toString());
        assertEquals(1, result.err().lines().count(), result.toString());
    }

    @Test
    void daemonUsesTheClassDataArchiveBuiltForItWhenBuiltAsRoot() throws Exception {
        // The build trains lib/daemon.jsa with a real daemon start, which needs root; without root there is none.
        assumeTrue(ProcessUser.effectiveUid() == 0, "daemon.jsa is built as root");
        assertTrue(Files.isRegularFile(Distribution.home().resolve("lib/daemon.jsa")), "lib/daemon.jsa was built");

        Distribution.Result result = Distribution.run(Distribution.script(),
                Map.of("BERTH_DAEMON_OPTS", "-Xlog:class+load=info:stdout"), "daemon", "--help");

        assertEquals(0, result.code(), result.err());
        assertTrue(result.out().contains("dev.berth.launcher.daemon.DaemonOptions source: shared objects file (top)"),
                "DaemonOptions was not loaded from lib/daemon.jsa");
    }

    @Test
    void daemonMapsItsClassDataArchiveWhereItWasWritten() throws Exception {
        // Relocating the archives costs each daemon start about 40 ms; lib/berth-jvm asks the JDKs that have the
        // switch (17 to 21) not to. Another JDK relocates as its default says.
        assumeTrue(ProcessUser.effectiveUid() == 0, "daemon.jsa is built as root");
        int feature = Runtime.version().feature();
        assumeTrue(feature >= 17 && feature <= 21, "ArchiveRelocationMode is set for JDK 17 to 21, this is " + feature);

        Distribution.Result result = Distribution.run(Distribution.script(),
                Map.of("BERTH_DAEMON_OPTS", "-Xlog:cds=info:stdout"), "daemon", "--help");

        assertEquals(0, result.code(), result.err());
        assertTrue(result.out().lines().anyMatch(l -> l.contains("Mapped dynamic region")), result.out());
        assertFalse(result.out().contains("alternative address"), result.out());
    }

    @Test
    void unusableDaemonClassDataArchiveIsIgnoredSilently() throws Exception {
        Path copy = temp.resolve("berth");
        copyTree(Distribution.home(), copy);
        Files.deleteIfExists(copy.resolve("lib/daemon.jsa"));
        Files.writeString(copy.resolve("lib/daemon.jsa"), "not an archive");

        Distribution.Result result = Distribution.run(copy.resolve("bin/berth"), Map.of(), "daemon", "--help");

        assertEquals(0, result.code(), result.toString());
        assertTrue(result.out().startsWith("Usage: berth daemon"), result.toString());
        assertEquals("", result.err(), result.toString());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    @Test
    void daemonWithUnusableRootPrintsOneLineAndNothingOnStdout() throws Exception {
        Path file = Files.writeString(temp.resolve("file"), "x");
        Path root = file.resolve("root");

        Distribution.Result result = Distribution.berth("daemon", "--root", root.toString(),
                "--run", temp.resolve("run").toString());

        assertEquals(1, result.code(), result.toString());
        assertEquals("", result.out());
        String expected = ProcessUser.effectiveUid() == 0
                ? "berth daemon: cannot create state root " + root + ": " + file + " is not a folder\n"
                : "berth daemon: must run as root (effective uid is " + ProcessUser.effectiveUid() + ")\n";
        assertEquals(expected, result.err());
    }

    @Test
    void printsTheDaemonsJvmSettingsInsteadOfStartingIt() throws Exception {
        // bench/scripts/daemon.sh runs its floor program with exactly these; BERTH_DAEMON_OPTS come after the script's.
        Path root = temp.resolve("never-made");
        Distribution.Result result = Distribution.run(Distribution.home().resolve("lib/berth-jvm"),
                Map.of("BERTH_JVM_PRINT_OPTIONS", "1", "BERTH_DAEMON_OPTS", "-Dberth.test.marker=1"),
                "daemon", "--root", root.toString());

        assertEquals(0, result.code(), result.toString());
        List<String> lines = result.out().lines().toList();
        assertTrue(lines.contains("env MALLOC_ARENA_MAX=2"), result.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("java /")), result.toString());
        assertTrue(lines.indexOf("opt -XX:+UseSerialGC") >= 0, result.toString());
        assertTrue(lines.indexOf("opt -Dberth.test.marker=1") > lines.indexOf("opt -XX:+UseSerialGC"), result.toString());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("env ") || l.startsWith("java ") || l.startsWith("opt ")),
                result.toString());
        assertFalse(Files.exists(root), "no daemon started");
    }

    @Test
    void daemonWithUnknownOptionExitsTwo() throws Exception {
        Distribution.Result result = Distribution.berth("daemon", "--data-root", "/x");
        assertEquals(2, result.code(), result.toString());
        assertTrue(result.err().startsWith("berth daemon: unknown option --data-root\n"), result.toString());
        assertEquals("", result.out());
    }
}
