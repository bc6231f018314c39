package dev.berth.api.isolation;

import java.util.Map;
import java.util.Objects;

/**
 * A running container as a watching module sees it: its {@code id}, the host {@code pid} of its process,
 * its {@code cgroupsPath} (absolute, as in config.json: {@code /berth/<id>}) and the {@code facts} this
 * module recorded for it. Immutable.
 */
public record WatchedContainer(String id, int pid, String cgroupsPath, Map<String, String> facts) {
    public WatchedContainer {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(cgroupsPath, "cgroupsPath");
        facts = facts == null ? Map.of() : Map.copyOf(facts);
    }
}
