package dev.berth.plugin.runtime.oci;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The monitor's {@code exit.json}: {@code {"exitCode","signal","finishedAt"}} plus {@code "error"} when the
 * process could not be started. The monitor renames it into place without syncing it (the event log, not
 * this hand-over, is what must survive a host crash), so after a host crash it may be empty or cut short:
 * it then reads as exit code -1 with the reason. Immutable.
 */
record ExitFile(int exitCode, int signal, String finishedAt, String error) {
    static final String NAME = "exit.json";

    /** Reads {@code <stateDir>/exit.json}; empty while it does not exist. */
    static Optional<ExitFile> read(Path stateDir) throws IOException {
        String text;
        try {
            text = Files.readString(stateDir.resolve(NAME), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            JsonObject json = new JsonObject(text);
            return Optional.of(new ExitFile(json.getInteger("exitCode", -1), json.getInteger("signal", 0),
                    json.getString("finishedAt"), json.getString("error")));
        } catch (DecodeException | ClassCastException e) {
            return Optional.of(new ExitFile(-1, 0, null, "exit code unknown: the monitor's exit file "
                    + stateDir.resolve(NAME) + " is unreadable (" + (text.isEmpty() ? "empty" : "not valid JSON")
                    + "), as a host crash leaves it"));
        }
    }
}
