package dev.berth.plugin.runtime.oci;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The containers one runtime created, with each one's state dir and bundle, and the execs started in them
 * with their state dirs; kept in memory and on disk as small files under
 * {@code <stateRoot>/runtimes/<name>-containers/<id>} and {@code <name>-execs/<id>/<execId>}, so that a
 * restarted engine finds them again. Thread-safe.
 */
final class ContainerIndex {

    /** Where one container's monitor files ({@code stateDir}) and OCI bundle ({@code bundle}) are. */
    record Entry(Path stateDir, Path bundle) {
    }

    /** One exec: its container, its id and the state dir of its monitor. */
    record Exec(String containerId, String execId, Path stateDir) {
    }

    private final Path containers;
    private final Path execDir;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Map<String, Exec> execs = new ConcurrentHashMap<>();

    /** Loads (or starts) the index of runtime {@code name} under {@code runtimesDir}. */
    ContainerIndex(Path runtimesDir, String name) throws IOException {
        this.containers = Files.createDirectories(runtimesDir.resolve(name + "-containers"));
        this.execDir = Files.createDirectories(runtimesDir.resolve(name + "-execs"));
        for (Path file : list(containers)) {
            String id = file.getFileName().toString();
            try {
                JsonObject json = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
                entries.put(id, new Entry(Path.of(json.getString("stateDir")), Path.of(json.getString("bundle"))));
            } catch (IOException | DecodeException | NullPointerException | ClassCastException e) {
                // A file cut short by a crash names no usable container; leave it for inspection.
            }
        }
        for (Path dir : list(execDir)) {
            for (Path file : list(dir)) {
                try {
                    String id = dir.getFileName().toString();
                    String execId = file.getFileName().toString();
                    execs.put(id + "/" + execId, new Exec(id, execId,
                            Path.of(Files.readString(file, StandardCharsets.UTF_8).strip())));
                } catch (IOException e) {
                    // as above
                }
            }
        }
    }

    Optional<Entry> get(String id) {
        return Optional.ofNullable(entries.get(id));
    }

    List<String> ids() {
        return entries.keySet().stream().sorted().toList();
    }

    Map<String, Entry> snapshot() {
        return Map.copyOf(entries);
    }

    List<Exec> execs() {
        return List.copyOf(execs.values());
    }

    void put(String id, Entry entry) throws IOException {
        JsonObject json = new JsonObject().put("stateDir", entry.stateDir().toString())
                .put("bundle", entry.bundle().toString());
        write(containers.resolve(id), json.encode());
        entries.put(id, entry);
    }

    void putExec(Exec exec) throws IOException {
        Path dir = Files.createDirectories(execDir.resolve(exec.containerId()));
        write(dir.resolve(exec.execId()), exec.stateDir().toString());
        execs.put(exec.containerId() + "/" + exec.execId(), exec);
    }

    void removeExec(Exec exec) throws IOException {
        execs.remove(exec.containerId() + "/" + exec.execId());
        Files.deleteIfExists(execDir.resolve(exec.containerId()).resolve(exec.execId()));
    }

    /** Forgets the container and its execs. */
    void remove(String id) throws IOException {
        entries.remove(id);
        Files.deleteIfExists(containers.resolve(id));
        for (Exec exec : execs()) {
            if (exec.containerId().equals(id)) {
                removeExec(exec);
            }
        }
        Files.deleteIfExists(execDir.resolve(id));
    }

    private static void write(Path target, String text) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The entries of {@code dir} that are not temporary files. */
    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, p -> !p.getFileName().toString()
                .startsWith("."))) {
            return java.util.stream.StreamSupport.stream(stream.spliterator(), false).toList();
        }
    }
}
