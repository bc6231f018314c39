package dev.berth.dockerapi.impl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Dockerfile instructions ({@code CMD ["sh"]}, {@code ENV A=b}) a commit or an import applies to its
 * image's config, as Docker's API carries them: the {@code changes} query parameter (repeated, each value
 * possibly several lines, as Docker joins them into one Dockerfile), and for a commit the settings of an
 * optional container config body. The engine's commit stage checks and applies the lines. Stateless and
 * thread-safe.
 */
final class DockerfileChanges {
    /** Body settings Docker would apply that Berth's changes cannot express. */
    private static final Set<String> UNSUPPORTED = Set.of("Healthcheck", "Shell");

    private DockerfileChanges() {
    }

    /**
     * One instruction a line from the {@code changes} values: each value split at line breaks, blank lines
     * and {@code #} comment lines left out (as a Dockerfile's parser does).
     */
    static List<String> lines(List<String> values) {
        List<String> lines = new ArrayList<>();
        for (String value : values) {
            for (String line : value.split("\r?\n")) {
                String trimmed = line.strip();
                if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                    lines.add(trimmed);
                }
            }
        }
        return lines;
    }

    /**
     * The instructions that set what a commit body ({@code ContainerConfig}) sets: {@code Cmd},
     * {@code Entrypoint} (exec form), {@code Env}, {@code Labels}, {@code WorkingDir}, {@code User},
     * {@code ExposedPorts}, {@code Volumes}, {@code StopSignal} and {@code OnBuild}; an absent, null or empty
     * setting keeps the container's (as Docker merges them). Settings that only matter to a running
     * container ({@code Hostname}, {@code Tty}, {@code Image}, ...) are ignored, as Docker's commit ignores
     * them.
     *
     * @throws DockerException 400 for {@code Healthcheck} or {@code Shell}, a malformed setting, or one holding
     *         a line break (an instruction is one line)
     */
    static List<String> fromConfig(JsonObject config) {
        List<String> lines = new ArrayList<>();
        for (String unsupported : UNSUPPORTED) {
            if (!empty(config.getValue(unsupported))) {
                throw DockerException.invalid("commit: Berth cannot apply Config." + unsupported
                        + " from the request body");
            }
        }
        command(config, "Cmd", "CMD", lines);
        command(config, "Entrypoint", "ENTRYPOINT", lines);
        for (String entry : strings(config, "Env")) {
            int equals = entry.indexOf('=');
            if (equals <= 0) {
                throw DockerException.invalid("commit: Config.Env entry \"" + QueryParameters.shorten(entry)
                        + "\" is not NAME=VALUE");
            }
            lines.add("ENV " + quote(entry.substring(0, equals)) + "=" + quote(entry.substring(equals + 1)));
        }
        for (Map.Entry<String, Object> label : object(config, "Labels")) {
            lines.add("LABEL " + quote(label.getKey()) + "=" + quote(String.valueOf(label.getValue())));
        }
        single(config, "WorkingDir", "WORKDIR", lines);
        single(config, "User", "USER", lines);
        for (Map.Entry<String, Object> port : object(config, "ExposedPorts")) {
            lines.add("EXPOSE " + port.getKey());
        }
        JsonArray volumes = new JsonArray();
        object(config, "Volumes").forEach(volume -> volumes.add(volume.getKey()));
        if (!volumes.isEmpty()) {
            lines.add("VOLUME " + volumes.encode());
        }
        single(config, "StopSignal", "STOPSIGNAL", lines);
        for (String trigger : strings(config, "OnBuild")) {
            lines.add("ONBUILD " + trigger);
        }
        for (String line : lines) {
            if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
                throw DockerException.invalid("commit: Berth cannot apply a line break in a setting of the request "
                        + "body (" + line.substring(0, line.indexOf(' ')) + ")");
            }
        }
        return lines;
    }

    /** A Dockerfile word in double quotes, backslash and double quote escaped. */
    static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** {@code CMD ["a","b"]}; Docker also takes a lone string as a one-word command. */
    private static void command(JsonObject config, String field, String instruction, List<String> lines) {
        List<String> words = config.getValue(field) instanceof String text
                ? (text.isEmpty() ? List.of() : List.of(text)) : strings(config, field);
        if (!words.isEmpty()) {
            lines.add(instruction + " " + new JsonArray(new ArrayList<>(words)).encode());
        }
    }

    private static void single(JsonObject config, String field, String instruction, List<String> lines) {
        Object value = config.getValue(field);
        if (value == null || (value instanceof String text && text.isEmpty())) {
            return;
        }
        if (!(value instanceof String text)) {
            throw DockerException.invalid("commit: Config." + field + " must be text");
        }
        lines.add(instruction + " " + text);
    }

    /** The strings of an array setting; empty when absent or null. */
    private static List<String> strings(JsonObject config, String field) {
        Object value = config.getValue(field);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof JsonArray array)) {
            throw DockerException.invalid("commit: Config." + field + " must be an array of strings");
        }
        List<String> all = new ArrayList<>();
        for (Object item : array) {
            if (!(item instanceof String text)) {
                throw DockerException.invalid("commit: Config." + field + " must be an array of strings");
            }
            all.add(text);
        }
        return all;
    }

    /** The entries of an object setting, in order; empty when absent or null. */
    private static List<Map.Entry<String, Object>> object(JsonObject config, String field) {
        Object value = config.getValue(field);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof JsonObject object)) {
            throw DockerException.invalid("commit: Config." + field + " must be an object");
        }
        List<Map.Entry<String, Object>> entries = new ArrayList<>();
        object.forEach(entries::add);
        return entries;
    }

    private static boolean empty(Object value) {
        return value == null || (value instanceof String s && s.isEmpty())
                || (value instanceof JsonArray a && a.isEmpty()) || (value instanceof JsonObject o && o.isEmpty());
    }
}
