package dev.berth.plugin.mount.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the host tools Java cannot replace ({@code mount}, {@code umount}, {@code mknod},
 * {@code getfattr}) and captures what they print; stateless and thread-safe.
 *
 * <p>Commands are argument vectors, never shell lines, and every path handed to them is absolute, so no
 * name can be read as an option or as shell syntax. {@code LC_ALL=C} keeps their messages in English, so
 * callers can recognise {@code target is busy}.
 */
final class HostCommands {

    /** What a finished command left: its exit code, its standard output as bytes and its stderr text. */
    record Result(List<String> command, int exitCode, byte[] stdout, String err) {
        boolean ok() {
            return exitCode == 0;
        }

        /** Standard output as UTF-8 text, stripped. */
        String out() {
            return new String(stdout, StandardCharsets.UTF_8).strip();
        }

        /** "mount exited 32: <stderr>" for error messages. */
        String failure() {
            String detail = err.isEmpty() ? out() : err;
            return command.get(0) + " exited " + exitCode + (detail.isEmpty() ? "" : ": " + detail);
        }
    }

    /** Seconds to wait for the output of a command that has exited (a child it forked may hold the pipe). */
    private static final long STREAM_GRACE = 10;

    private HostCommands() {
    }

    /**
     * Runs {@code command} to the end, or kills it after {@code timeout}; a non-zero exit is a
     * {@link Result}, not an exception. Throws if the command cannot start, times out or is interrupted.
     */
    static Result run(List<String> command, Duration timeout) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.PIPE);
        builder.environment().put("LC_ALL", "C");
        Process process = builder.start();
        process.getOutputStream().close();
        FutureTask<byte[]> out = drain(process.getInputStream(), command.get(0));
        FutureTask<byte[]> err = drain(process.getErrorStream(), command.get(0));
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(command.get(0) + ": no answer after " + timeout.toSeconds() + " s, killed");
            }
            return new Result(List.copyOf(command), process.exitValue(), out.get(STREAM_GRACE, TimeUnit.SECONDS),
                    new String(err.get(STREAM_GRACE, TimeUnit.SECONDS), StandardCharsets.UTF_8).strip());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(command.get(0) + ": interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(command.get(0) + ": reading its output: " + e, e);
        }
    }

    /** Like {@link #run} but a non-zero exit throws an IOException carrying the command's stderr. */
    static Result check(List<String> command, Duration timeout) throws IOException {
        Result result = run(command, timeout);
        if (!result.ok()) {
            throw new IOException(result.failure());
        }
        return result;
    }

    /** Reads a stream to its end on a daemon thread, so a full pipe never stalls the command. */
    private static FutureTask<byte[]> drain(InputStream in, String name) {
        FutureTask<byte[]> task = new FutureTask<>(() -> {
            try (in) {
                return in.readAllBytes();
            }
        });
        Thread thread = new Thread(task, "berth-mount-" + name);
        thread.setDaemon(true);
        thread.start();
        return task;
    }
}
