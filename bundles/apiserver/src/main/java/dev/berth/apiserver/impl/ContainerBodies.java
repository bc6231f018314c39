package dev.berth.apiserver.impl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks the JSON bodies of the container endpoints field by field and turns them into the engine's bus
 * orders. Every problem is an {@link IllegalArgumentException} naming the field by its path
 * ({@code options.volumes[1].source}), so a bad request is refused before anything reaches the engine.
 * Stateless and thread-safe.
 */
final class ContainerBodies {
    /** The fields of {@code POST /v1/containers}. */
    static final Set<String> CREATE_FIELDS = Set.of("image", "name", "options", "autoRemove");
    /** The fields of {@code POST /v1/containers/{id}/exec}. */
    static final Set<String> EXEC_FIELDS = Set.of("args", "env", "workingDir", "user", "tty", "stdin", "detach");
    /** The fields of the run options, the JSON of {@code dev.berth.api.container.RunOptions}. */
    private static final java.util.regex.Pattern ISOLATION_OPTION = java.util.regex.Pattern.compile("[a-z][a-z0-9-]{0,63}");
    private static final int MAX_ISOLATION_OPTIONS = 64;
    private static final int MAX_ISOLATION_VALUES = 256;
    /** Enough for a seccomp profile sent inline, as the docker CLI does. */
    private static final int MAX_ISOLATION_VALUE = 128 * 1024;
    static final Set<String> OPTION_FIELDS = Set.of("command", "entrypoint", "env", "workingDir", "user", "hostname",
            "readOnly", "volumes", "tty", "stdin", "runtime", "isolation");
    private static final Set<String> VOLUME_FIELDS = Set.of("source", "target", "readOnly", "relabel");
    /** Docker's container name rule. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{1,127}");
    private static final Pattern RUNTIME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,62})?");
    private static final Pattern SIGNAL = Pattern.compile("(SIG)?[A-Z][A-Z0-9+-]{0,15}|[0-9]{1,2}",
            Pattern.CASE_INSENSITIVE);
    private static final int MAX_TEXT = 4096;

    private ContainerBodies() {
    }

    /** The bus order {@code {"op":"create",...}} for a create body. */
    static JsonObject create(JsonObject body) {
        String image = text(body, "image", "image", true);
        if (image.length() > 512 || image.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("field \"image\" must be an image reference without spaces, at most 512 characters");
        }
        String name = text(body, "name", "name", false);
        if (name != null && !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("field \"name\": \"" + name
                    + "\" is not a container name: 2 to 128 of [a-zA-Z0-9_.-], starting with a letter or digit");
        }
        return new JsonObject().put("op", "create").put("image", image).put("name", name)
                .put("options", options(body.getValue("options")))
                .put("autoRemove", bool(body, "autoRemove", "autoRemove"));
    }

    /** The run options with every field present, defaults filled in; null stands for all defaults. */
    static JsonObject options(Object value) {
        JsonObject options;
        if (value == null) {
            options = new JsonObject();
        } else if (value instanceof JsonObject object) {
            options = object;
        } else {
            throw new IllegalArgumentException("field \"options\" must be an object");
        }
        for (String field : options.fieldNames()) {
            if (!OPTION_FIELDS.contains(field)) {
                throw new IllegalArgumentException("unknown field \"options." + field + "\"; known: "
                        + String.join(", ", OPTION_FIELDS.stream().sorted().toList()));
            }
        }
        String runtime = text(options, "runtime", "options.runtime", false);
        if (runtime != null && !RUNTIME.matcher(runtime).matches()) {
            throw new IllegalArgumentException("field \"options.runtime\": \"" + runtime + "\" is not a runtime name");
        }
        String hostname = text(options, "hostname", "options.hostname", false);
        if (hostname != null && !HOSTNAME.matcher(hostname).matches()) {
            throw new IllegalArgumentException("field \"options.hostname\": \"" + hostname
                    + "\" is not a host name of at most 63 letters, digits, '.' and '-'");
        }
        return new JsonObject()
                .put("command", strings(options.getValue("command"), "options.command", true, false))
                .put("entrypoint", strings(options.getValue("entrypoint"), "options.entrypoint", true, false))
                .put("env", env(options.getValue("env"), "options.env"))
                .put("workingDir", absolute(text(options, "workingDir", "options.workingDir", false),
                        "options.workingDir"))
                .put("user", text(options, "user", "options.user", false))
                .put("hostname", hostname)
                .put("readOnly", bool(options, "readOnly", "options.readOnly"))
                .put("volumes", volumes(options.getValue("volumes")))
                .put("tty", bool(options, "tty", "options.tty"))
                .put("stdin", bool(options, "stdin", "options.stdin"))
                .put("runtime", runtime)
                .put("isolation", isolation(options.getValue("isolation")));
    }

    /**
     * {@code options.isolation}: isolation option name (a long flag name) to its values as strings; the
     * isolation modules check the values. Bounded so a request cannot grow without limit.
     */
    private static JsonObject isolation(Object value) {
        JsonObject isolation = new JsonObject();
        if (value == null) {
            return isolation;
        }
        if (!(value instanceof JsonObject given)) {
            throw new IllegalArgumentException("field \"options.isolation\" must be an object of option name to a "
                    + "list of strings");
        }
        if (given.size() > MAX_ISOLATION_OPTIONS) {
            throw new IllegalArgumentException("field \"options.isolation\" has " + given.size()
                    + " options; at most " + MAX_ISOLATION_OPTIONS);
        }
        for (String name : given.fieldNames()) {
            String path = "options.isolation." + name;
            if (!ISOLATION_OPTION.matcher(name).matches()) {
                throw new IllegalArgumentException("field \"" + (name.length() > 64 ? name.substring(0, 64) + "..." : name)
                        + "\" in options.isolation is not an option name like cap-add");
            }
            JsonArray values = strings(given.getValue(name), path, false, false);
            if (values.size() > MAX_ISOLATION_VALUES) {
                throw new IllegalArgumentException("field \"" + path + "\" has " + values.size() + " values; at most "
                        + MAX_ISOLATION_VALUES);
            }
            for (int i = 0; i < values.size(); i++) {
                if (values.getString(i).length() > MAX_ISOLATION_VALUE) {
                    throw new IllegalArgumentException("field \"" + path + "[" + i + "]\" is longer than "
                            + MAX_ISOLATION_VALUE + " characters");
                }
            }
            isolation.put(name, values);
        }
        return isolation;
    }

    /** The bus order {@code {"op":"exec",...}} for an exec body. */
    static JsonObject exec(String id, JsonObject body) {
        return new JsonObject().put("op", "exec").put("id", id)
                .put("args", strings(body.getValue("args"), "args", false, true))
                .put("env", env(body.getValue("env"), "env"))
                .put("workingDir", absolute(text(body, "workingDir", "workingDir", false), "workingDir"))
                .put("user", text(body, "user", "user", false))
                .put("tty", bool(body, "tty", "tty"))
                .put("stdin", bool(body, "stdin", "stdin"))
                .put("detach", bool(body, "detach", "detach"));
    }

    /** A runtime name as {@code POST /v1/runtimes/default} takes it. */
    static String runtime(JsonObject body) {
        String name = text(body, "name", "name", true);
        if (!RUNTIME.matcher(name).matches()) {
            throw new IllegalArgumentException("field \"name\": \"" + name + "\" is not a runtime name");
        }
        return name;
    }

    /** A signal as {@code kill?signal=} takes it: a name with or without SIG, or a number. */
    static String signal(String value) {
        if (!SIGNAL.matcher(value).matches()) {
            throw new IllegalArgumentException("signal: \"" + value + "\" is not a signal name (TERM, SIGKILL) or number");
        }
        return value;
    }

    private static JsonArray volumes(Object value) {
        JsonArray volumes = new JsonArray();
        if (value == null) {
            return volumes;
        }
        if (!(value instanceof JsonArray list)) {
            throw new IllegalArgumentException("field \"options.volumes\" must be a list of {source, target, readOnly}");
        }
        for (int i = 0; i < list.size(); i++) {
            String path = "options.volumes[" + i + "]";
            if (!(list.getValue(i) instanceof JsonObject volume)) {
                throw new IllegalArgumentException("field \"" + path + "\" must be an object {source, target, readOnly}");
            }
            for (String field : volume.fieldNames()) {
                if (!VOLUME_FIELDS.contains(field)) {
                    throw new IllegalArgumentException("unknown field \"" + path + "." + field
                            + "\"; known: readOnly, source, target");
                }
            }
            volumes.add(new JsonObject()
                    .put("source", absolute(text(volume, "source", path + ".source", true), path + ".source"))
                    .put("target", absolute(text(volume, "target", path + ".target", true), path + ".target"))
                    .put("readOnly", bool(volume, "readOnly", path + ".readOnly"))
                    .put("relabel", relabel(text(volume, "relabel", path + ".relabel", false), path + ".relabel")));
        }
        return volumes;
    }

    private static String relabel(String value, String path) {
        if (value != null && !value.equals("z") && !value.equals("Z")) {
            throw new IllegalArgumentException("field \"" + path + "\": \"" + value + "\" is neither z nor Z");
        }
        return value;
    }

    private static JsonArray env(Object value, String path) {
        JsonArray env = strings(value, path, true, false);
        if (env == null) {
            return new JsonArray();
        }
        for (int i = 0; i < env.size(); i++) {
            if (env.getString(i).indexOf('=') < 1) {
                throw new IllegalArgumentException("field \"" + path + "[" + i + "]\": \"" + env.getString(i)
                        + "\" is not KEY=VALUE");
            }
        }
        return env;
    }

    /** A list of strings without NUL; null when absent and {@code nullable}. */
    private static JsonArray strings(Object value, String path, boolean nullable, boolean nonEmpty) {
        if (value == null) {
            if (nullable) {
                return null;
            }
            throw new IllegalArgumentException("field \"" + path + "\" is required: a list of strings");
        }
        if (!(value instanceof JsonArray list)) {
            throw new IllegalArgumentException("field \"" + path + "\" must be a list of strings");
        }
        if (nonEmpty && list.isEmpty()) {
            throw new IllegalArgumentException("field \"" + path + "\" must not be empty");
        }
        for (int i = 0; i < list.size(); i++) {
            if (!(list.getValue(i) instanceof String item) || item.indexOf('\0') >= 0 || item.length() > 128 * 1024) {
                throw new IllegalArgumentException("field \"" + path + "[" + i + "]\" must be a string without NUL");
            }
        }
        return list.copy();
    }

    private static String text(JsonObject body, String field, String path, boolean required) {
        Object value = body.getValue(field);
        if (value == null) {
            if (required) {
                throw new IllegalArgumentException("field \"" + path + "\" is required: a non-empty string");
            }
            return null;
        }
        if (!(value instanceof String text) || text.isBlank() || text.length() > MAX_TEXT
                || text.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("field \"" + path
                    + "\" must be a non-empty string of printable characters, at most " + MAX_TEXT);
        }
        return text;
    }

    private static boolean bool(JsonObject body, String field, String path) {
        Object value = body.getValue(field);
        if (value == null) {
            return false;
        }
        if (!(value instanceof Boolean flag)) {
            throw new IllegalArgumentException("field \"" + path + "\" must be true or false");
        }
        return flag;
    }

    private static String absolute(String path, String field) {
        if (path != null && !path.startsWith("/")) {
            throw new IllegalArgumentException("field \"" + field + "\": \"" + path + "\" is not an absolute path");
        }
        return path;
    }
}
