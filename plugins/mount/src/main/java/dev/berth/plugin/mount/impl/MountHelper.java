package dev.berth.plugin.mount.impl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * mount(2) and umount(2) through {@code berth-mount-helper} (C, carried in this bundle): one process
 * for the plugin's life instead of a mount(8) or umount(8) process per call. Starting a process costs
 * about 10 ms on a small VM and a {@code berth run --rm} needs two; the calls take about 1 ms.
 *
 * <p>The helper is started on first use and again after it ended. Calls are serialised: each is short,
 * and one pipe carries them in order. A call without an answer within the timeout (a mount hanging in
 * the kernel) kills the helper and fails. The protocol is in {@code src/main/c/berth-mount-helper.c}.
 * Thread-safe.
 */
final class MountHelper implements MountCalls, AutoCloseable {
    static final String RESOURCE = "berth-mount-helper";
    /** A failed call's answer: the errno, a space, the kernel's words. */
    private static final Pattern FAILED = Pattern.compile("([1-9][0-9]{0,3}) (.{1,200})");

    private final Path executable;
    private final Duration timeout;
    /** Reads answers, so that a call can stop waiting for one. */
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "berth-mount-helper-reader");
        thread.setDaemon(true);
        return thread;
    });
    private Process process;
    private BufferedReader answers;
    private boolean closed;

    MountHelper(Path executable, Duration timeout) {
        this.executable = executable;
        this.timeout = timeout;
    }

    @Override
    public void mountOverlay(String options, Path target) throws IOException {
        String failure = call('M', List.of("overlay", "overlay", options, target.toString()));
        if (failure != null) {
            throw new IOException("mount(2) of an overlay on " + target + ": " + failure);
        }
    }

    @Override
    public String umount(Path target) throws IOException {
        String failure = call('U', List.of(target.toString()));
        return failure == null ? null : "umount(2) of " + target + ": " + failure;
    }

    /** Ends the helper; later calls fail. */
    @Override
    public synchronized void close() {
        closed = true;
        stop();
        reader.shutdownNow();
    }

    /** The helper's process id while it runs (tests). */
    synchronized long pid() {
        return process != null && process.isAlive() ? process.pid() : -1;
    }

    /** Sends one request; null when the call worked, else the kernel's reason with its errno. */
    private synchronized String call(char op, List<String> fields) throws IOException {
        if (closed) {
            throw new IOException(RESOURCE + " is closed: the mount stage is stopping");
        }
        for (String field : fields) {
            if (field.indexOf('\0') >= 0) {
                throw new IOException(RESOURCE + ": \"" + field.replace('\0', '?') + "\" contains a NUL byte");
            }
        }
        ensureStarted();
        try {
            OutputStream out = process.getOutputStream();
            out.write(op);
            for (String field : fields) {
                out.write(field.getBytes(StandardCharsets.UTF_8));
                out.write(0);
            }
            out.flush();
        } catch (IOException e) {
            // A helper that already ended shows as a broken pipe, or as "Stream closed" once the JDK has
            // seen its exit: either way its exit is the reason worth naming.
            String ended = ended();
            stop();
            throw new IOException(ended.startsWith("exit code")
                    ? RESOURCE + " ended without answering (" + ended + ")"
                    : RESOURCE + ": the request could not be made: " + e, e);
        }
        String answer;
        try {
            BufferedReader in = answers;
            Future<String> line = reader.submit(in::readLine);
            answer = line.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            stop();
            throw new IOException(RESOURCE + ": no answer after " + timeout.toSeconds() + " s, killed", e);
        } catch (InterruptedException e) {
            stop();
            Thread.currentThread().interrupt();
            throw new IOException(RESOURCE + ": interrupted while waiting for its answer", e);
        } catch (ExecutionException e) {
            stop();
            throw new IOException(RESOURCE + ": its answer could not be read: " + e.getCause(), e);
        }
        if (answer == null) {
            String ended = ended();
            stop();
            throw new IOException(RESOURCE + " ended without answering (" + ended + ")");
        }
        if (answer.equals("0")) {
            return null;
        }
        Matcher failed = FAILED.matcher(answer);
        if (!failed.matches()) {
            stop();
            throw new IOException(RESOURCE + ": unreadable answer \"" + printable(answer) + "\"");
        }
        return failed.group(2) + " (errno " + failed.group(1) + ")";
    }

    /** At most 200 characters of {@code text}, control characters shown as '?'. */
    private static String printable(String text) {
        String cut = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        return cut.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    /** Starts the helper now rather than at the first call, and returns its process id (tests). */
    synchronized long start() throws IOException {
        ensureStarted();
        return process.pid();
    }

    private void ensureStarted() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        stop();
        ProcessBuilder builder = new ProcessBuilder(executable.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("LC_ALL", "C");
        process = builder.start();
        answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
    }

    private String ended() {
        try {
            return process.waitFor(1, TimeUnit.SECONDS) ? "exit code " + process.exitValue() : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private void stop() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                // Gone already: nothing to flush.
            }
            process = null;
            answers = null;
        }
    }
}
