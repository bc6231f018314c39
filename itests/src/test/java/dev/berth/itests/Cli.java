package dev.berth.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
        ProcessBuilder builder = new ProcessBuilder(command);
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
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("berth " + args + " did not finish in 60 s");
        }
        return new Result(process.exitValue(), out.join(), err.join());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(read failed: " + e + ")";
        }
    }
}
