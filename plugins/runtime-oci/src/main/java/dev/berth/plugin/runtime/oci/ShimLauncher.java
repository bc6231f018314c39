package dev.berth.plugin.runtime.oci;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts one {@code berth-shim} and reads its one-line report ({@code ok PID} or {@code error MESSAGE});
 * the monitor it forked keeps running detached. Stateless and thread-safe.
 */
final class ShimLauncher {
    /** How long a create or exec may take before the shim is killed. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A failed launch; the message is the runtime's. */
    static final class ShimException extends IOException {
        private static final long serialVersionUID = 1L;

        ShimException(String message) {
            super(message);
        }
    }

    private ShimLauncher() {
    }

    /** Runs {@code cmd} (the shim and its arguments) and returns the pid it reports. */
    static int launch(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                return r.readLine();
            } catch (IOException e) {
                return null;
            }
        }, Commands.IO);
        String report;
        try {
            report = line.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            p.destroyForcibly();
            throw new ShimException("no report from the monitor within " + TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the monitor", e);
        } catch (ExecutionException e) {
            throw new IOException("read the monitor's report: " + e.getCause(), e.getCause());
        }
        if (report == null) {
            throw new ShimException("the monitor ended without a report (exit code "
                    + (p.isAlive() ? "unknown" : p.exitValue()) + ")");
        }
        return parseReport(report);
    }

    /** The pid in a monitor's {@code ok PID} report; throws with the message of an {@code error MESSAGE} one. */
    static int parseReport(String report) throws ShimException {
        if (report.startsWith("ok ")) {
            try {
                return Integer.parseInt(report.substring(3).trim());
            } catch (NumberFormatException e) {
                throw new ShimException("unreadable report from the monitor: " + report);
            }
        }
        throw new ShimException(report.startsWith("error ") ? report.substring(6) : report);
    }
}
