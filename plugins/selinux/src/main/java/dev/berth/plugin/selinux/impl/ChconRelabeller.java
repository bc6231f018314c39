package dev.berth.plugin.selinux.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Relabels with coreutils' {@code chcon -R -h LABEL PATH} (recursive, symlinks themselves rather than their
 * targets) and reports chcon's stderr when it fails. Thread-safe: each call runs its own process.
 */
final class ChconRelabeller implements Relabeller {
    /** How long one recursive relabel may take before it is given up (large trees take a while). */
    private static final long TIMEOUT_MINUTES = 10;

    private final String chcon;

    /** A relabeller running {@code chcon} (a name looked up on PATH, or an absolute path). */
    ChconRelabeller(String chcon) {
        this.chcon = chcon;
    }

    @Override
    public void relabel(Path path, String label) throws BerthException {
        List<String> command = List.of(chcon, "-R", "-h", label, path.toString());
        String action = "relabel " + path + " as " + label + " (" + String.join(" ", command) + ")";
        Path errors = null;
        Process process = null;
        try {
            // stderr goes to a file so that a chcon which hangs cannot block the read and defeat the timeout
            errors = Files.createTempFile("berth-chcon", ".err");
            process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(errors.toFile()).start();
            process.getOutputStream().close();
            if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                throw new BerthException(ErrorKind.UNAVAILABLE, action + ": still running after "
                        + TIMEOUT_MINUTES + " minutes; stopped");
            }
            if (process.exitValue() != 0) {
                String stderr = Files.readString(errors, StandardCharsets.UTF_8).strip();
                throw new BerthException(ErrorKind.UNAVAILABLE, action + ": exit status " + process.exitValue()
                        + (stderr.isEmpty() ? "" : ": " + stderr));
            }
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": cannot run " + chcon + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": interrupted", e);
        } finally {
            if (process != null && process.isAlive()) {
                process.destroyForcibly();
            }
            if (errors != null) {
                try {
                    Files.deleteIfExists(errors);
                } catch (IOException e) {
                    // a leftover empty temp file is harmless; the relabel outcome is what matters
                }
            }
        }
    }
}
