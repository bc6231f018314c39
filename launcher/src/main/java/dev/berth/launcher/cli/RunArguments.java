package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.launcher.Option;
import dev.berth.launcher.ParsedArguments;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The options {@code berth run} and {@code berth create} share, with Docker's names and meanings, and
 * how they become the body of {@code POST /v1/containers}: {@code {image, name, options, autoRemove}},
 * {@code options} being the JSON of the engine's {@code RunOptions}. Problems are
 * {@link IllegalArgumentException}s naming the option and value, for the command to report as usage
 * errors. Stateless and thread-safe.
 */
final class RunArguments {
    static final Option RM = Option.flag("rm", null, "remove the container when it exits");
    static final Option NAME = Option.value("name", null, "NAME", "name the container");
    static final Option ENV = Option.repeated("env", "e", "K[=V]",
            "set an environment variable; K alone takes K's value from this shell (left out if unset)");
    static final Option ENV_FILE = Option.repeated("env-file", null, "FILE",
            "read K=V lines from FILE (blank lines and # comments skipped)");
    static final Option WORKDIR = Option.value("workdir", "w", "DIR", "working directory inside the container");
    static final Option USER = Option.value("user", "u", "USER[:GROUP]", "user name or uid[:gid] to run as");
    static final Option HOSTNAME = Option.value("hostname", null, "NAME", "the container's host name");
    static final Option ENTRYPOINT = Option.value("entrypoint", null, "CMD",
            "override the image's entrypoint (one word; \"\" clears it)");
    static final Option READ_ONLY = Option.flag("read-only", null, "mount the root filesystem read-only");
    static final Option VOLUME = Option.repeated("volume", "v", "HOST:CTR[:ro]",
            "bind-mount the absolute host path HOST at CTR, read-only with :ro");
    static final Option RUNTIME = Option.value("runtime", null, "NAME", "the OCI runtime (default: the daemon's)");
    static final Option MEMORY = Option.value("memory", "m", "SIZE",
            "memory limit, like 64m or 1g (units b, k, m, g; at least 6m)");
    static final Option INTERACTIVE = Option.flag("interactive", "i", "keep standard input open and forward it");
    static final Option TTY = Option.flag("tty", "t", "give the process a pseudo-terminal");
    /** Every create option, in usage order. */
    static final List<Option> OPTIONS = List.of(NAME, RM, ENV, ENV_FILE, WORKDIR, USER, HOSTNAME, ENTRYPOINT,
            READ_ONLY, VOLUME, RUNTIME, MEMORY, INTERACTIVE, TTY);

    private RunArguments() {
    }

    /** The create body for {@code IMAGE [CMD...]} and the parsed options. */
    static ObjectNode body(ParsedArguments args, Map<String, String> environment)
            throws IOException {
        List<String> words = args.positionals();
        if (words.isEmpty()) {
            throw new IllegalArgumentException("missing IMAGE");
        }
        ObjectNode body = Json.object();
        body.put("image", words.get(0));
        String name = args.value("name").orElse(null);
        if (name != null) {
            body.put("name", name.startsWith("/") ? name.substring(1) : name);
        }
        ObjectNode options = body.putObject("options");
        if (words.size() > 1) {
            strings(options.putArray("command"), words.subList(1, words.size()));
        } else {
            options.putNull("command");
        }
        if (args.value("entrypoint").isPresent()) {
            String entrypoint = args.value("entrypoint").get();
            strings(options.putArray("entrypoint"), entrypoint.isEmpty() ? List.of() : List.of(entrypoint));
        } else {
            options.putNull("entrypoint");
        }
        strings(options.putArray("env"), environment(args.values("env"), args.values("env-file"), environment));
        textOrNull(options, "workingDir", args.value("workdir").orElse(null));
        textOrNull(options, "user", args.value("user").orElse(null));
        textOrNull(options, "hostname", args.value("hostname").orElse(null));
        options.put("readOnly", args.has("read-only"));
        ArrayNode volumes = options.putArray("volumes");
        for (String spec : args.values("volume")) {
            volumes.add(volume(spec));
        }
        options.put("tty", args.has("tty"));
        options.put("stdin", args.has("interactive"));
        textOrNull(options, "runtime", args.value("runtime").orElse(null));
        long memory = args.value("memory").map(RunArguments::bytes).orElse(0L);
        options.put("memory", memory);
        body.put("autoRemove", args.has("rm"));
        return body;
    }

    /** Docker's size notation: a number with an optional unit b, k, m or g (powers of 1024). */
    static long bytes(String size) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,15})([bkmg]?)b?",
                java.util.regex.Pattern.CASE_INSENSITIVE).matcher(size.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("--memory " + size + ": expected a size like 64m or 1g");
        }
        long value = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toLowerCase(java.util.Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        if (value > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("--memory " + size + ": too large");
        }
        return value << shift;
    }

    private static void textOrNull(ObjectNode node, String field, String value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    /**
     * The {@code K=V} entries of {@code --env-file} files (read in order) then {@code -e} values, the way
     * Docker combines them: later entries win in the container.
     */
    static List<String> environment(List<String> flags, List<String> files, Map<String, String> environment)
            throws IOException {
        List<String> entries = new ArrayList<>();
        for (String file : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("--env-file " + file + ": no such file");
            } catch (IOException e) {
                throw new IllegalArgumentException("--env-file " + file + ": " + e.getMessage());
            }
            entries.addAll(envFile(file, lines, environment));
        }
        for (String flag : flags) {
            String entry = entry(flag, environment, "-e " + flag);
            if (entry != null) {
                entries.add(entry);
            }
        }
        return entries;
    }

    /** The entries of one env file's lines: blank lines and lines starting with # are skipped. */
    static List<String> envFile(String file, List<String> lines, Map<String, String> environment) {
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).stripLeading();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String entry = entry(line, environment, "--env-file " + file + " line " + (i + 1));
            if (entry != null) {
                entries.add(entry);
            }
        }
        return entries;
    }

    /**
     * One {@code K=V} entry; {@code K} alone takes K's value from {@code environment}, and is null when
     * unset there.
     */
    static String entry(String text, Map<String, String> environment, String where) {
        int eq = text.indexOf('=');
        String key = eq < 0 ? text : text.substring(0, eq);
        if (key.isEmpty()) {
            throw new IllegalArgumentException(where + ": variable name is empty");
        }
        if (key.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(where + ": variable name \"" + key + "\" contains whitespace");
        }
        if (eq >= 0) {
            return text;
        }
        String value = environment.get(key);
        return value == null ? null : key + "=" + value;
    }

    /** One {@code -v HOST:CTR[:ro|rw]} as {@code {source, target, readOnly}}. */
    static ObjectNode volume(String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("-v " + spec + ": expected HOST:CONTAINER or HOST:CONTAINER:ro");
        }
        if (!parts[0].startsWith("/")) {
            throw new IllegalArgumentException("-v " + spec + ": host path \"" + parts[0]
                    + "\" is not absolute (named volumes are not supported; give /abs/path)");
        }
        if (!parts[1].startsWith("/")) {
            throw new IllegalArgumentException("-v " + spec + ": container path \"" + parts[1] + "\" is not absolute");
        }
        boolean readOnly = false;
        if (parts.length == 3) {
            readOnly = switch (parts[2]) {
                case "ro" -> true;
                case "rw" -> false;
                default -> throw new IllegalArgumentException("-v " + spec + ": mode \"" + parts[2]
                        + "\" is neither ro nor rw");
            };
        }
        ObjectNode volume = Json.object();
        volume.put("source", parts[0]);
        volume.put("target", parts[1]);
        volume.put("readOnly", readOnly);
        return volume;
    }
}
