package dev.berth.itests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The built distribution's daemon as a child process, with its own state root and run folder, and the
 * {@code berth} CLI pointed at it. Not thread-safe, except {@link #output()}.
 */
final class Daemon implements AutoCloseable {
    static final Path HOME = Path.of(System.getProperty("berth.home", "../launcher/target/berth")).toAbsolutePath();
    static final Path BERTH = HOME.resolve("bin/berth");

    final Path root;
    final Path run;
    final Path plugins;
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final java.util.Map<String, String> environment = new java.util.HashMap<>();
    private final List<String> arguments = new ArrayList<>();
    private Process process;

    Daemon(Path base) throws IOException {
        this(base.resolve("root"), base.resolve("run"), base.resolve("plugins"));
    }

    Daemon(Path root, Path run, Path plugins) throws IOException {
        this.root = root;
        this.run = run;
        this.plugins = plugins;
        Files.createDirectories(plugins);
    }

    /** Adds {@code name=value} to the daemon's environment (e.g. BERTH_DAEMON_OPTS) for its next start. */
    Daemon withEnvironment(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** Adds daemon options (e.g. {@code --stage-timeout 3}) for its next start. */
    Daemon withArguments(String... options) {
        arguments.addAll(List.of(options));
        return this;
    }

    Path socket() {
        return run.resolve("berth.sock");
    }

    /** The Docker Engine API socket the dockerapi bundle serves by default: {@code <run>/docker.sock}. */
    Path dockerSocket() {
        return run.resolve("docker.sock");
    }

    UnixHttp http() {
        return new UnixHttp(socket());
    }

    /** Starts the daemon and waits for its ready line; fails with everything it printed otherwise. */
    Daemon start() throws IOException, InterruptedException {
        Process started = launch();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            synchronized (output) {
                if (output.stream().anyMatch(l -> l.startsWith("berth daemon ready"))) {
                    return this;
                }
            }
            if (!started.isAlive()) {
                throw new IllegalStateException("daemon exited with " + started.exitValue() + ":\n" + output());
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("daemon not ready within 90 s:\n" + output());
    }

    /** Starts the daemon and returns at once, without waiting for anything. */
    Daemon startNoWait() throws IOException {
        launch();
        return this;
    }

    /** Starts the daemon and waits for it to exit on its own (for start-up failures); returns its exit status. */
    int startExpectingExit() throws IOException, InterruptedException {
        Process started = launch();
        if (!started.waitFor(90, TimeUnit.SECONDS)) {
            started.destroyForcibly();
            throw new IllegalStateException("daemon did not exit:\n" + output());
        }
        Thread.sleep(100); // let the output pump drain
        return started.exitValue();
    }

    private Process launch() throws IOException {
        output.clear();
        List<String> command = new ArrayList<>(List.of(BERTH.toString(), "daemon", "--root", root.toString(), "--run",
                run.toString(), "--plugins", plugins.toString()));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        process = builder.start();
        Process p = process;
        Thread pump = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    output.add(line);
                }
            } catch (IOException e) {
                output.add("(output pump: " + e + ")");
            }
        }, "daemon-output");
        pump.setDaemon(true);
        pump.start();
        return p;
    }

    long pid() {
        return process.pid();
    }

    /** Kills the daemon with SIGKILL, the way a crash or the OOM killer would, and waits for it. */
    void kill() throws InterruptedException {
        // bin/berth execs lib/berth-jvm, which execs java, so the child is the JVM itself.
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Stops the daemon with SIGTERM and returns its exit status. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("daemon ignored SIGTERM for 60 s:\n" + output());
        }
        return process.exitValue();
    }

    String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    /** Runs {@code berth -H unix://<socket> args...}. */
    Cli.Result cli(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("-H", "unix://" + socket()));
        command.addAll(List.of(args));
        return Cli.run(command);
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            try {
                stop();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
