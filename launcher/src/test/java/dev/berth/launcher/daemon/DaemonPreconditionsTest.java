package dev.berth.launcher.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.berth.launcher.Builtins;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's checks before it locks or boots anything, through {@link Daemon#run()}. */
class DaemonPreconditionsTest {

    @TempDir
    Path temp;

    @Test
    void nonRootUserIsRefusedWithOneLine() throws Exception {
        DaemonRun result = DaemonRun.of(temp.resolve("root"), temp.resolve("run"), temp, 1000);

        assertEquals(1, result.code());
        assertEquals("berth daemon: must run as root (effective uid is 1000)\n", result.err());
        assertEquals("", result.out());
        assertFalse(Files.exists(temp.resolve("root")), "nothing is created before the user check");
    }

    @Test
    void unusableStateRootIsNamedWithItsCause() throws Exception {
        Path file = Files.writeString(temp.resolve("file"), "x");
        Path root = file.resolve("state");

        DaemonRun result = DaemonRun.of(root, temp.resolve("run"), temp, 0);

        assertEquals(1, result.code());
        assertEquals("berth daemon: cannot create state root " + root + ": " + file + " is not a folder\n",
                result.err());
        assertEquals("", result.out());
    }

    @Test
    void unusableRunFolderIsNamedWithItsCause() throws Exception {
        Path file = Files.writeString(temp.resolve("file"), "x");
        Path run = file.resolve("run");

        DaemonRun result = DaemonRun.of(temp.resolve("root"), run, temp, 0);

        assertEquals(1, result.code());
        assertEquals("berth daemon: cannot create run folder " + run + ": " + file + " is not a folder\n",
                result.err());
    }

    @Test
    void strayJarInBundlesStopsTheDaemonBeforeItLocks() throws Exception {
        Path root = temp.resolve("root");
        Path home = Files.createDirectories(temp.resolve("home"));
        Path bundles = Files.createDirectory(home.resolve("bundles"));
        for (String name : Builtins.SYMBOLIC_NAMES) {
            TestJars.bundle(bundles, name + ".jar", name);
        }
        TestJars.bundle(bundles, "foo.jar", "com.example.foo");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        DaemonOptions options = new DaemonOptions(root, temp.resolve("run"), home.resolve("plugins"), Duration.ofSeconds(1));

        int code = new Daemon(options, home, System.out, new PrintStream(err, true, StandardCharsets.UTF_8), () -> 0)
                .run();

        assertEquals(1, code);
        assertEquals(List.of("berth daemon: bundles/foo.jar is not a built-in; drop plugins into plugins/"),
                err.toString(StandardCharsets.UTF_8).lines().toList());
        assertFalse(Files.exists(root.resolve("daemon.lock")), "the lock is not taken");
    }

    @Test
    void effectiveUidIsTheSecondFieldOfTheUidLine() {
        assertEquals(0, ProcessUser.effectiveUid(List.of("Name:\tjava", "Uid:\t1000\t0\t0\t0", "Gid:\t0\t0\t0\t0")));
        assertEquals(1000, ProcessUser.effectiveUid(List.of("Uid:\t0\t1000\t1000\t1000")));
    }
}
