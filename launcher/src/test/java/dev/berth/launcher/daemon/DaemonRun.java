package dev.berth.launcher.daemon;

import dev.berth.launcher.Builtins;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Runs {@link Daemon#run()} in this JVM with captured output, for checks that fail before the framework boots.
 *
 * @param code the exit code
 * @param out  what went to stdout
 * @param err  what went to stderr
 */
record DaemonRun(int code, String out, String err) {

    /**
     * Runs a daemon with the given folders and uid; the home holds a bundles folder with every built-in as an
     * empty jar, so only the checks under test can fail.
     */
    static DaemonRun of(Path root, Path run, Path temp, long uid) throws IOException {
        Path home = Files.createDirectories(temp.resolve("home-" + System.nanoTime()));
        Path bundles = Files.createDirectory(home.resolve("bundles"));
        int i = 0;
        for (String name : Builtins.SYMBOLIC_NAMES) {
            TestJars.bundle(bundles, (i++) + ".jar", name);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        DaemonOptions options = new DaemonOptions(root, run, home.resolve("plugins"), Duration.ofSeconds(1));
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = new Daemon(options, home, o, e, () -> uid).run();
        }
        return new DaemonRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
