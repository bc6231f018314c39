package dev.berth.launcher;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The assembled distribution under test and a way to run its {@code bin/berth} as a process. */
final class Distribution {

    /**
     * The outcome of one finished process.
     *
     * @param code the exit code
     * @param out  its standard output
     * @param err  its standard error
     */
    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }

    private Distribution() {
    }

    /** {@code target/berth}, as set by the build. */
    static Path home() {
        String dist = System.getProperty("berth.dist");
        assertNotNull(dist, "system property berth.dist is set by the build");
        Path home = Path.of(dist);
        assertTrue(Files.isDirectory(home), home + " is missing: run mvn package first");
        return home;
    }

    /** {@code target/berth/bin/berth}. */
    static Path script() {
        return home().resolve("bin/berth");
    }

    /** Runs {@code script args...} with extra environment variables and waits up to 60 s. */
    static Result run(Path script, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("BERTH_HOST");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within 60 s");
        }
        return new Result(process.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    /** Runs {@code bin/berth args...}. */
    static Result berth(String... args) throws Exception {
        return run(script(), Map.of(), args);
    }

    /** Reads a stream to its end on a background thread. */
    static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<unreadable: " + e + ">";
            }
        });
    }
}
