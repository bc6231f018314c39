package dev.berth.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the distribution's {@code bin/berth} as a process and captures what it prints. Thread-safe. */
final class Cli {
    /** Exit status and output of one CLI run. */
    record Result(int exit, String stdout, String stderr) {
        List<String> lines() {
            return stdout.lines().filter(l -> !l.isBlank()).toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    private Cli() {
    }

    static Result run(List<String> args) throws IOException, InterruptedException {
        return run(args, null);
    }

    /** Runs the CLI with {@code input} on its standard input (none: /dev/null). */
    static Result run(List<String> args, String input) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Daemon.BERTH.toString());
        command.addAll(args);
        return exec(command, Map.of(), List.of(), input, 60);
    }

    /**
     * Runs any {@code command} (the berth CLI, the docker CLI) with {@code environment} added and the
     * variables in {@code unset} removed, {@code input} on its standard input (none: /dev/null); fails when
     * it has not ended after {@code timeoutSeconds}.
     */
    static Result exec(List<String> command, Map<String, String> environment, List<String> unset, String input,
            long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command);
        unset.forEach(builder.environment()::remove);
        builder.environment().putAll(environment);
        if (input == null) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process process = builder.start();
        if (input != null) {
            try (var stdin = process.getOutputStream()) {
                stdin.write(input.getBytes(StandardCharsets.UTF_8));
            }
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(command + " did not finish in " + timeoutSeconds + " s");
        }
        return new Result(process.exitValue(), out.join(), err.join());
    }

    /** Everything {@code in} gives, as UTF-8; a failed read is described in its place. */
    static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(read failed: " + e + ")";
        }
    }
}
