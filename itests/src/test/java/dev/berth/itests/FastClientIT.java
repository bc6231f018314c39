package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The CLI's fast path for real: {@code bin/berth}, a native program, hands the command line to the daemon's
 * {@code cli.sock}. A bogus JVM option in {@code BERTH_CLIENT_OPTS} tells the paths apart:
 * any command that started a client JVM fails on it. Both paths must print the same and exit the same; signals
 * reach an attached container; a client that is killed leaves no session behind in the daemon.
 */
class FastClientIT extends ContainerTestBase {
    private static final Map<String, String> NO_JVM = Map.of("BERTH_CLIENT_OPTS", "-XX:+NoSuchBerthTestOption");
    private static final Map<String, String> JVM = Map.of("BERTH_JVM_CLIENT", "1");

    /** {@code bin/berth -H <this suite's daemon> args...}. */
    private static List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(Daemon.BERTH.toString(), "-H", "unix://" + daemon.socket()));
        command.addAll(List.of(args));
        return command;
    }

    private static Cli.Result cli(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return Cli.exec(command(args), env, List.of("BERTH_HOST"), null, 60);
    }

    /** The same command as a process the test signals or kills, with {@code env} and no BERTH_HOST. */
    private static ProcessBuilder client(Map<String, String> env, String... args) {
        ProcessBuilder builder = new ProcessBuilder(command(args));
        builder.environment().remove("BERTH_HOST");
        builder.environment().putAll(env);
        return builder;
    }

    @Test
    void theDaemonServesApiCommandsAndHandsTheRestBackToTheJvmClient() throws Exception {
        assertTrue(Files.exists(daemon.socket().resolveSibling("cli.sock")), "the daemon listens on cli.sock");
        for (String[] served : List.of(new String[] {"ps", "-a"}, new String[] {"images"}, new String[] {"version"},
                new String[] {"info"}, new String[] {"plugins"})) {
            Cli.Result result = cli(NO_JVM, served);
            assertEquals(0, result.exit(), String.join(" ", served) + " must not start a JVM: " + result);
        }
        Cli.Result jvm = cli(Map.of("BERTH_JVM_CLIENT", "1", "BERTH_CLIENT_OPTS", "-XX:+NoSuchBerthTestOption"), "ps");
        assertNotEquals(0, jvm.exit(), "the probe works: a client JVM fails on the bogus option: " + jvm);
        assertTrue(jvm.stderr().contains("NoSuchBerthTestOption"), jvm.toString());

        Path archive = base.resolve("no-such-archive.tar");
        Cli.Result load = cli(NO_JVM, "load", "-i", archive.toString());
        assertNotEquals(0, load.exit());
        assertTrue(load.stderr().contains("NoSuchBerthTestOption"), "load reads a local file, so the JVM client "
                + "runs it: " + load);
        Cli.Result loadJvm = cli(JVM, "load", "-i", archive.toString());
        assertTrue(loadJvm.stderr().contains("no such file: " + archive), loadJvm.toString());
    }

    @Test
    void bothPathsPrintTheSameAndExitTheSame() throws Exception {
        String name = "fast-" + ProcessHandle.current().pid();
        List<String[]> commands = List.of(
                new String[] {"run", "--name", name, image(), "sh", "-c", "echo to-out; echo to-err >&2; exit 7"},
                new String[] {"ps", "-a", "-q", "--no-trunc"},
                new String[] {"inspect", name},
                new String[] {"logs", name},
                new String[] {"images", "--format", "json"},
                new String[] {"inspect", "no-such-container-" + name},
                new String[] {"run", "--rm", "--no-such-flag", image()},
                new String[] {"nosuch"});
        Cli.Result first = cli(Map.of(), commands.get(0));
        assertEquals(7, first.exit(), first.toString());
        assertEquals("to-out\n", first.stdout());
        assertEquals("to-err\n", first.stderr());
        Cli.Result again = cli(JVM, "run", "--rm", image(), "sh", "-c", "echo to-out; echo to-err >&2; exit 7");
        assertEquals(new Cli.Result(7, "to-out\n", "to-err\n"), again);
        for (String[] command : commands.subList(1, commands.size())) {
            Cli.Result fast = cli(NO_JVM, command);
            Cli.Result slow = cli(JVM, command);
            assertEquals(slow, fast, String.join(" ", command));
        }
        assertEquals(0, cli(Map.of(), "rm", name).exit());
    }

    @Test
    void signalsReachTheAttachedContainer() throws Exception {
        ProcessBuilder builder = client(NO_JVM, "run", "--rm", image(), "sh", "-c",
                "trap 'echo caught; exit 42' INT; echo ready; while :; do sleep 0.1; done");
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process client = builder.start();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(client.getInputStream()))) {
            assertEquals("ready", out.readLine(), "the container started");
            new ProcessBuilder("kill", "-INT", Long.toString(client.pid())).start().waitFor();
            assertEquals("caught", out.readLine(), "SIGINT reached the container's shell");
            assertTrue(client.waitFor(30, TimeUnit.SECONDS), "the client ended with the container");
            assertEquals(42, client.exitValue(), Cli.read(client.getErrorStream()));
        } finally {
            client.destroyForcibly();
        }
    }

    @Test
    void ctrlCEndsAFollowingCommandAsItEndsTheJvmClient() throws Exception {
        for (Map<String, String> env : List.of(NO_JVM, JVM)) {
            // The last hour holds this suite's own events (its image at least), so a client that follows prints a
            // line: Ctrl-C comes once it does, however long a JVM client took to start on a loaded machine.
            Process client = client(env, "events", "-f", "--since", "1h").start();
            CompletableFuture<String> firstLine = new CompletableFuture<>();
            Thread drain = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        firstLine.complete(line);
                    }
                } catch (IOException e) {
                    firstLine.completeExceptionally(e);
                }
                firstLine.complete(null);
            }, "events-drain");
            drain.start();
            try {
                assertNotNull(firstLine.completeOnTimeout(null, 60, TimeUnit.SECONDS).get(), "events -f printed "
                        + "the last hour's events within 60 s ("
                        + env + "): " + (client.isAlive() ? "" : Cli.read(client.getErrorStream())));
                assertTrue(client.isAlive(), "still following before Ctrl-C (" + env + ")");
                new ProcessBuilder("kill", "-INT", Long.toString(client.pid())).start().waitFor();
                assertTrue(client.waitFor(20, TimeUnit.SECONDS), "Ctrl-C ended events -f (" + env + ")");
                assertEquals(130, client.exitValue(), "exit code (" + env + "): " + Cli.read(client.getErrorStream()));
            } finally {
                client.destroyForcibly();
                drain.join(10_000);
            }
        }
    }

    @Test
    void aKilledClientLeavesNoSessionInTheDaemon() throws Exception {
        String name = "follow-" + ProcessHandle.current().pid();
        assertEquals(0, cli(Map.of(), "run", "-d", "--name", name, image(), "sh", "-c",
                "while :; do echo tick; sleep 0.2; done").exit());
        try {
            List<Process> followers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ProcessBuilder builder = client(NO_JVM, "logs", "-f", name);
                builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
                followers.add(builder.start());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (sessions() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(5, sessions(), "five followers served by the daemon");
            followers.forEach(Process::destroyForcibly);   // SIGKILL: the client cannot say goodbye
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (sessions() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(0, sessions(), "sessions left after their clients were killed");
        } finally {
            cli(Map.of(), "rm", "-f", name);
        }
    }

    /** The daemon's CLI session threads ({@code berth-cli-session}; comm keeps 15 characters). */
    private static long sessions() throws IOException {
        long count = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(daemon.pid()), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().equals("berth-cli-sessi")) {
                        count++;
                    }
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        }
        return count;
    }
}
