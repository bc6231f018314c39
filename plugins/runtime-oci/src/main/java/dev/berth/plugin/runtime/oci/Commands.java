package dev.berth.plugin.runtime.oci;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** Runs a short host command and collects its exit code and output; stateless and thread-safe. */
final class Commands {

    /** What a finished command left: exit code, standard output and standard error (stripped). */
    record Result(int exitCode, String stdout, String stderr) {
        /** The error text for a message: stderr, else stdout, else the exit code. */
        String message() {
            if (!stderr.isBlank()) {
                return stderr;
            }
            return stdout.isBlank() ? "exited " + exitCode : stdout;
        }
    }

    /** Threads that drain child processes' pipes; blocking reads stay off the common fork-join pool. */
    static final ExecutorService IO = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "berth-runtime-io");
        t.setDaemon(true);
        return t;
    });

    private Commands() {
    }

    /** Runs {@code cmd} with stdin on /dev/null; kills it and throws when it takes longer than {@code timeout}. */
    static Result run(List<String> cmd, Duration timeout) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()), IO);
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()), IO);
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd.get(0) + " " + cmd.get(cmd.size() > 3 ? 3 : cmd.size() - 1)
                        + ": no answer within " + timeout.toSeconds() + " s");
            }
            return new Result(p.exitValue(), out.join().strip(), err.join().strip());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(cmd.get(0) + ": interrupted", e);
        }
    }

    private static String drain(InputStream in) {
        try (in) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            in.transferTo(buf);
            return buf.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
