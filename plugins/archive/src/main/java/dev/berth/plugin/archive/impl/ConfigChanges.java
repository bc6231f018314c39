package dev.berth.plugin.archive.impl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.stage.ImageSettings;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Applies run settings to the {@code config} object of an image config: first a container's
 * {@link ImageSettings}, then Dockerfile-style change lines as {@code docker commit --change} takes them.
 * <ul>
 *   <li>{@code CMD} and {@code ENTRYPOINT}: a JSON array of strings (exec form), or anything else as shell
 *       form, run by the config's {@code Shell} or {@code /bin/sh -c}. A value starting with {@code [} must
 *       be a valid array (Docker would quietly take a broken one as shell form). As in a Dockerfile,
 *       {@code ENTRYPOINT} clears the command unless a {@code CMD} line came before it.</li>
 *   <li>{@code ENV} and {@code LABEL}: {@code K=V ...} with shell-style quotes and backslashes, or the legacy
 *       {@code K the rest of the line}; a name already there is replaced in place.</li>
 *   <li>{@code WORKDIR} (relative to the previous one), {@code USER}, {@code STOPSIGNAL}: one value.</li>
 *   <li>{@code EXPOSE}: {@code 80}, {@code 80/tcp}, {@code 53/udp}, {@code 8000-8002/sctp}.</li>
 *   <li>{@code VOLUME}: a JSON array or words. {@code ONBUILD}: the rest of the line, appended.</li>
 * </ul>
 * No {@code $VAR} substitution is done. Any other instruction, or a line these rules refuse, is INVALID
 * naming the line. Stateless; each call works on the object it is given.
 */
final class ConfigChanges {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Reads an exec-form argument, refusing anything after the array. */
    private static final ObjectReader STRICT = StoredImage.JSON.readerFor(JsonNode.class)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");
    private static final String INSTRUCTIONS = "CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, "
            + "VOLUME, WORKDIR";
    private static final Set<String> ONBUILD_TRIGGERS = Set.of("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV",
            "EXPOSE", "HEALTHCHECK", "LABEL", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR");
    private static final Pattern PORT = Pattern.compile("(\\d{1,5})(?:-(\\d{1,5}))?(?:/([A-Za-z]+))?");
    private static final Pattern SIGNAL = Pattern.compile("\\d{1,2}|[A-Za-z][A-Za-z0-9+-]*");
    private static final Set<String> PROTOCOLS = Set.of("tcp", "udp", "sctp");

    /** One shell-style word: its text with quotes removed, and where its first unquoted '=' is (or -1). */
    private record Word(String text, int split) {
    }

    /** One change line being applied: the line as given, for messages, and its instruction's argument. */
    private record Line(String action, String text, String keyword, String rest) {
        BerthException invalid(String why) {
            return new BerthException(ErrorKind.INVALID, action + ": change " + LayerEntryRules.quote(text) + ": "
                    + why);
        }

        BerthException invalid(String why, Throwable cause) {
            return new BerthException(ErrorKind.INVALID, action + ": change " + LayerEntryRules.quote(text) + ": "
                    + why, cause);
        }
    }

    private ConfigChanges() {
    }

    /** Replaces each setting that is not null: Cmd, Entrypoint, Env, WorkingDir, User, Labels (sorted). */
    static void applySettings(ObjectNode config, ImageSettings settings) {
        if (settings == null) {
            return;
        }
        if (settings.cmd() != null) {
            config.set("Cmd", strings(settings.cmd()));
        }
        if (settings.entrypoint() != null) {
            config.set("Entrypoint", strings(settings.entrypoint()));
        }
        if (settings.env() != null) {
            config.set("Env", strings(settings.env()));
        }
        if (settings.workingDir() != null) {
            config.put("WorkingDir", settings.workingDir());
        }
        if (settings.user() != null) {
            config.put("User", settings.user());
        }
        if (settings.labels() != null) {
            ObjectNode labels = config.putObject("Labels");
            new TreeMap<>(settings.labels()).forEach(labels::put);
        }
    }

    /**
     * Applies {@code lines} in order (blank ones are skipped); messages start with {@code action}.
     *
     * @throws BerthException INVALID naming the first line that is not an allowed, well-formed instruction;
     *         {@code config} may then be partly changed
     */
    static void apply(ObjectNode config, List<String> lines, String action) throws BerthException {
        boolean cmdSet = false;
        for (String text : lines) {
            String trimmed = text.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            String[] split = trimmed.split("\\s+", 2);
            Line line = new Line(action, text, split[0].toUpperCase(Locale.ROOT), split.length > 1 ? split[1] : "");
            switch (line.keyword()) {
                case "CMD" -> {
                    config.set("Cmd", command(config, line));
                    cmdSet = true;
                }
                case "ENTRYPOINT" -> {
                    config.set("Entrypoint", command(config, line));
                    if (!cmdSet) {
                        config.putNull("Cmd");
                    }
                }
                case "ENV" -> env(config, line);
                case "LABEL" -> {
                    ObjectNode labels = object(config, "Labels");
                    pairs(line).forEach(labels::put);
                }
                case "WORKDIR" -> workdir(config, line);
                case "USER" -> config.put("User", single(line, "a user"));
                case "EXPOSE" -> expose(config, line);
                case "VOLUME" -> volume(config, line);
                case "STOPSIGNAL" -> {
                    String signal = single(line, "a signal");
                    if (!SIGNAL.matcher(signal).matches()) {
                        throw line.invalid("\"" + signal + "\" is not a signal name or number");
                    }
                    config.put("StopSignal", signal);
                }
                case "ONBUILD" -> onbuild(config, line);
                default -> throw line.invalid(split[0] + " is not a valid change (" + INSTRUCTIONS + ")");
            }
        }
    }

    private static ArrayNode command(ObjectNode config, Line line) throws BerthException {
        if (line.rest().isEmpty()) {
            throw line.invalid(line.keyword() + " needs a command");
        }
        if (line.rest().startsWith("[")) {
            return jsonStrings(line);
        }
        List<String> shell = new ArrayList<>(DEFAULT_SHELL);
        JsonNode configured = config.path("Shell");
        if (configured.isArray() && !configured.isEmpty()) {
            shell.clear();
            configured.forEach(s -> shell.add(s.asText()));
        }
        shell.add(line.rest());
        return strings(shell);
    }

    private static void env(ObjectNode config, Line line) throws BerthException {
        ArrayNode env = config.path("Env").isArray() ? (ArrayNode) config.get("Env") : config.putArray("Env");
        for (Map.Entry<String, String> pair : pairs(line).entrySet()) {
            String entry = pair.getKey() + "=" + pair.getValue();
            boolean replaced = false;
            for (int i = 0; i < env.size(); i++) {
                String existing = env.get(i).asText();
                if (existing.equals(pair.getKey()) || existing.startsWith(pair.getKey() + "=")) {
                    env.set(i, NODES.textNode(entry));
                    replaced = true;
                    break;
                }
            }
            if (!replaced) {
                env.add(entry);
            }
        }
    }

    private static void workdir(ObjectNode config, Line line) throws BerthException {
        List<Word> words = words(line);
        if (words.isEmpty()) {
            throw line.invalid("WORKDIR needs a directory");
        }
        String dir = words.size() == 1 ? words.get(0).text() : line.rest();
        String current = config.path("WorkingDir").asText("");
        try {
            Path base = Path.of(current.startsWith("/") ? current : "/" + current);
            config.put("WorkingDir", base.resolve(dir).normalize().toString());
        } catch (InvalidPathException e) {
            throw line.invalid("not a directory path: " + e.getMessage(), e);
        }
    }

    private static void expose(ObjectNode config, Line line) throws BerthException {
        List<Word> words = words(line);
        if (words.isEmpty()) {
            throw line.invalid("EXPOSE needs a port");
        }
        ObjectNode ports = object(config, "ExposedPorts");
        for (Word word : words) {
            Matcher m = PORT.matcher(word.text());
            String protocol = m.matches() && m.group(3) != null ? m.group(3).toLowerCase(Locale.ROOT) : "tcp";
            if (!m.matches() || !PROTOCOLS.contains(protocol)) {
                throw line.invalid("\"" + word.text() + "\" is not PORT[-PORT][/tcp|udp|sctp]");
            }
            int first = Integer.parseInt(m.group(1));
            int last = m.group(2) == null ? first : Integer.parseInt(m.group(2));
            if (first < 1 || last > 65535 || last < first) {
                throw line.invalid("\"" + word.text() + "\": ports are 1 to 65535, ranges low-high");
            }
            for (int port = first; port <= last; port++) {
                ports.putObject(port + "/" + protocol);
            }
        }
    }

    private static void volume(ObjectNode config, Line line) throws BerthException {
        List<String> paths = new ArrayList<>();
        if (line.rest().startsWith("[")) {
            jsonStrings(line).forEach(p -> paths.add(p.asText()));
        } else {
            words(line).forEach(w -> paths.add(w.text()));
        }
        if (paths.isEmpty() || paths.stream().anyMatch(String::isBlank)) {
            throw line.invalid("VOLUME needs one or more non-empty paths");
        }
        ObjectNode volumes = object(config, "Volumes");
        paths.forEach(volumes::putObject);
    }

    private static void onbuild(ObjectNode config, Line line) throws BerthException {
        String trigger = line.rest().split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
        if (line.rest().isEmpty() || !ONBUILD_TRIGGERS.contains(trigger)) {
            throw line.invalid("ONBUILD needs an instruction to run later (not ONBUILD, FROM or MAINTAINER), got "
                    + LayerEntryRules.quote(line.rest()));
        }
        ArrayNode onBuild = config.path("OnBuild").isArray() ? (ArrayNode) config.get("OnBuild")
                : config.putArray("OnBuild");
        onBuild.add(line.rest());
    }

    /** The one word of the line, quotes removed. */
    private static String single(Line line, String what) throws BerthException {
        List<Word> words = words(line);
        if (words.size() != 1 || words.get(0).text().isEmpty()) {
            throw line.invalid(line.keyword() + " takes " + what + ", one word");
        }
        return words.get(0).text();
    }

    /** {@code K=V ...}, or the legacy {@code K rest of the line}; names must not be empty. */
    private static Map<String, String> pairs(Line line) throws BerthException {
        List<Word> words = words(line);
        if (words.isEmpty()) {
            throw line.invalid(line.keyword() + " needs NAME=VALUE");
        }
        Map<String, String> pairs = new LinkedHashMap<>();
        if (words.get(0).split() < 0) {
            String[] legacy = line.rest().split("\\s+", 2);
            if (legacy.length < 2) {
                throw line.invalid(line.keyword() + " needs NAME=VALUE or NAME VALUE");
            }
            pairs.put(words.get(0).text(), legacy[1].strip());
            return pairs;
        }
        for (Word word : words) {
            if (word.split() < 0) {
                throw line.invalid("\"" + word.text() + "\" is not NAME=VALUE");
            }
            String name = word.text().substring(0, word.split());
            if (name.isEmpty()) {
                throw line.invalid("\"" + word.text() + "\" has an empty name");
            }
            pairs.put(name, word.text().substring(word.split() + 1));
        }
        return pairs;
    }

    /** The line's argument split into shell-style words: quotes group, backslash escapes (not in '...'). */
    private static List<Word> words(Line line) throws BerthException {
        String s = line.rest();
        List<Word> words = new ArrayList<>();
        StringBuilder text = null;
        int equals = -1;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote == 0 && Character.isWhitespace(c)) {
                if (text != null) {
                    words.add(new Word(text.toString(), equals));
                    text = null;
                    equals = -1;
                }
                continue;
            }
            if (text == null) {
                text = new StringBuilder();
            }
            if (quote != '\'' && c == '\\' && i + 1 < s.length()) {
                text.append(s.charAt(++i));
            } else if (quote == 0 && (c == '"' || c == '\'')) {
                quote = c;
            } else if (quote != 0 && c == quote) {
                quote = 0;
            } else {
                if (quote == 0 && c == '=' && equals < 0) {
                    equals = text.length();
                }
                text.append(c);
            }
        }
        if (quote != 0) {
            throw line.invalid("unterminated " + quote + " quote");
        }
        if (text != null) {
            words.add(new Word(text.toString(), equals));
        }
        return words;
    }

    private static ArrayNode jsonStrings(Line line) throws BerthException {
        try {
            JsonNode node = STRICT.readTree(line.rest());
            if (node != null && node.isArray()) {
                boolean allText = true;
                for (JsonNode item : node) {
                    allText &= item.isTextual();
                }
                if (allText) {
                    return (ArrayNode) node;
                }
            }
        } catch (JsonProcessingException e) {
            throw line.invalid("not a JSON array of strings: " + e.getOriginalMessage(), e);
        }
        throw line.invalid("not a JSON array of strings");
    }

    private static ObjectNode object(ObjectNode parent, String field) {
        return parent.path(field).isObject() ? (ObjectNode) parent.get(field) : parent.putObject(field);
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode array = NODES.arrayNode();
        values.forEach(array::add);
        return array;
    }
}
