package dev.berth.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.launcher.daemon.ProcessUser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots the real daemon from the distribution as a process (needs root) and checks the launcher's part of the
 * contract: one ready line on stdout and nothing before it, the end of its warm-up on stderr, the CLI reaching it,
 * a second daemon refused, FileInstall hot deploy into the plugins folder, and a clean SIGTERM stop with exit
 * code 0.
 */
class DaemonProcessIT {

    @TempDir
    Path temp;

    private Process daemon;

    @AfterEach
    void killDaemon() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroyForcibly();
            daemon.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void bootServeHotDeployAndStop() throws Exception {
        assumeTrue(ProcessUser.effectiveUid() == 0, "berth daemon needs root");
        Path root = temp.resolve("root");
        Path run = temp.resolve("run");
        Path plugins = Files.createDirectory(temp.resolve("plugins"));
        Path stderr = temp.resolve("daemon.err");
        String host = "unix://" + run.resolve("berth.sock");

        ProcessBuilder builder = new ProcessBuilder(Distribution.script().toString(), "daemon", "--root",
                root.toString(), "--run", run.toString(), "--plugins", plugins.toString());
        builder.environment().remove("BERTH_HOST");
        builder.redirectError(stderr.toFile());
        daemon = builder.start();
        BufferedReader stdout = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8));

        CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> {
            try {
                return stdout.readLine();
            } catch (IOException e) {
                return "<" + e + ">";
            }
        });
        String ready;
        try {
            ready = firstLine.get(90, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no ready line within 90 s; stderr:\n" + Files.readString(stderr));
        }
        assertEquals("berth daemon ready: API at " + host + ", state root " + root, ready,
                "stderr:\n" + Files.readString(stderr));
        assertEquals(daemon.pid() + "\n", Files.readString(run.resolve("berth.pid")));
        // No command yet, so the warm-up runs to its end and says so (benchmarks wait for this line).
        assertTrue(awaitStderr(stderr, "berth daemon: warmed up in "), "no end of the warm-up reported; stderr:\n"
                + Files.readString(stderr));

        Distribution.Result version = Distribution.berth("-H", host, "version");
        assertEquals(0, version.code(), version.toString());
        assertTrue(version.out().contains("\nServer:\n Version:      " + BerthVersion.get() + "\n"), version.toString());

        Distribution.Result note = Distribution.run(Distribution.script(), Map.of("BERTH_HOST", host), "note",
                "launcher test note");
        assertEquals(0, note.code(), note.toString());
        long sequence = Long.parseLong(note.out().trim());
        Distribution.Result events = Distribution.berth("-H", host, "events", "--format", "json", "--filter",
                "subject=note");
        assertEquals(0, events.code(), events.toString());
        assertTrue(events.out().contains("\"sequence\":" + sequence + ","), events.toString());
        assertTrue(events.out().contains("launcher test note"), events.toString());

        Distribution.Result second = Distribution.berth("daemon", "--root", root.toString(), "--run",
                temp.resolve("run2").toString());
        assertEquals(1, second.code(), second.toString());
        assertEquals("berth daemon: another daemon is using state root " + root + " (pid " + daemon.pid() + ")\n",
                second.err());

        Path plugin = writeBundle(temp.resolve("hello.jar"), "test.launcher.hello");
        Files.copy(plugin, plugins.resolve("hello.jar"));
        assertTrue(awaitPlugins(host, true), "hot-deployed bundle not listed; stderr:\n" + Files.readString(stderr));
        Files.delete(plugins.resolve("hello.jar"));
        assertTrue(awaitPlugins(host, false), "removed bundle still listed");

        daemon.toHandle().destroy();   // SIGTERM; Process.destroy() would also close our end of stdout.
        assertTrue(daemon.waitFor(60, TimeUnit.SECONDS), "daemon did not stop within 60 s");
        assertEquals(0, daemon.exitValue(), "stderr:\n" + Files.readString(stderr));
        assertEquals(null, stdout.readLine(), "nothing but the ready line on stdout");
        assertFalse(Files.exists(run.resolve("berth.pid")), "pid file removed on stop");
        assertTrue(Files.readString(stderr).contains("berth daemon: stopping"), Files.readString(stderr));
    }

    private static boolean awaitStderr(Path stderr, String lineStart) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.readString(stderr).lines().anyMatch(line -> line.startsWith(lineStart))) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static boolean awaitPlugins(String host, boolean present) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            Distribution.Result plugins = Distribution.berth("-H", host, "plugins");
            assertEquals(0, plugins.code(), plugins.toString());
            if (plugins.out().contains("test.launcher.hello") == present) {
                return true;
            }
            Thread.sleep(250);
        }
        return false;
    }

    private static Path writeBundle(Path jar, String symbolicName) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", symbolicName);
        main.putValue("Bundle-Version", "1.0.0");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.flush();
        }
        return jar;
    }
}
