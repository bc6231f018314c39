package dev.berth.plugin.runtime.oci;

import dev.berth.api.bus.BusAddresses;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Publishes each exit the monitors record exactly once: when {@code exit.json} exists in a state dir and
 * no {@code exit.published} marker does, it hands
 * {@code {"runtime","id","execId","exitCode","signal","oomKilled","finishedAt"}} to the sink (the engine
 * sends it to {@link BusAddresses#RUNTIME_EXITED}) and then writes the marker, so exits that happened
 * while the engine was down are published once after it comes back. Thread-safe (checks are serialised).
 */
final class ExitNotifier {
    static final String MARKER = "exit.published";

    private final String runtime;
    private final Consumer<String> sink;
    /** State dirs known to be published, so the poller stops looking at their files. */
    private final Set<Path> published = ConcurrentHashMap.newKeySet();

    ExitNotifier(String runtime, Consumer<String> sink) {
        this.runtime = runtime;
        this.sink = sink;
    }

    /** Publishes the exit recorded in {@code stateDir} if it has not been; returns whether it did. */
    synchronized boolean check(String id, String execId, Path stateDir, BooleanSupplier oomKilled) {
        if (published.contains(stateDir)) {
            return false;
        }
        Path marker = stateDir.resolve(MARKER);
        if (Files.exists(marker)) {
            published.add(stateDir);
            return false;
        }
        if (!Files.exists(stateDir.resolve(ExitFile.NAME))) {
            return false;
        }
        Optional<ExitFile> exit;
        try {
            exit = ExitFile.read(stateDir);
        } catch (IOException e) {
            return false; // a read that failed is retried next round
        }
        if (exit.isEmpty()) {
            return false;
        }
        JsonObject message = new JsonObject().put("runtime", runtime).put("id", id).put("execId", execId)
                .put("exitCode", exit.get().exitCode()).put("signal", exit.get().signal())
                .put("oomKilled", execId == null && oomKilled.getAsBoolean())
                .put("finishedAt", exit.get().finishedAt()).put("reason", exit.get().error());
        if (execId == null) {
            message.putNull("execId");
        }
        try {
            sink.accept(message.encode());
            published.add(stateDir);
        } finally {
            try {
                Files.writeString(marker, "");
            } catch (IOException e) {
                // the state dir went away: nothing can publish this exit again either
            }
        }
        return true;
    }

    /** Forgets that {@code stateDir} was published: a new process is about to use it. */
    void reset(Path stateDir) {
        published.remove(stateDir);
    }
}
