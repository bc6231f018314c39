package dev.berth.api.container;

import java.util.Objects;

/**
 * Create one container from the OCI bundle in {@code bundleDir} under a monitor process that outlives the
 * engine. {@code stateDir} is the container's own folder for the monitor's files (its attach socket,
 * exit file, runtime log); {@code logPath} the file its output goes to, one JSON object per line
 * ({@code {"time","stream","log"}}). {@code tty} gives it a pseudo-terminal, {@code stdin} keeps its
 * standard input open for an attached client. Immutable.
 */
public record CreateRequest(String id, String bundleDir, String stateDir, String logPath, boolean tty,
        boolean stdin) {
    public CreateRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(bundleDir, "bundleDir");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(logPath, "logPath");
    }
}
