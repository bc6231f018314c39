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
    static final Option VOLUME = Option.repeated("volume", "v", "HOST:CTR[:OPTS]",
            "bind-mount the absolute host path HOST at CTR; OPTS: ro or rw, and z (shared) or Z (private) "
                    + "to relabel it for SELinux, comma-separated");
    static final Option RUNTIME = Option.value("runtime", null, "NAME", "the OCI runtime (default: the daemon's)");
    static final Option INTERACTIVE = Option.flag("interactive", "i", "keep standard input open and forward it");
    static final Option TTY = Option.flag("tty", "t", "give the process a pseudo-terminal");
    /**
     * The options the isolation modules read, sent as {@code options.isolation} by long name; the daemon
     * refuses any that no module which is on reads.
     */
    static final List<Option> ISOLATION = List.of(
            Option.repeated("isolation-module", null, "ID", "also run isolation module ID (see berth plugins)"),
            Option.repeated("no-isolation-module", null, "ID", "do not run isolation module ID for this container"),
            Option.value("pid", null, "MODE", "pid namespace: private (default), host or container:NAME"),
            Option.value("ipc", null, "MODE", "ipc namespace: private (default), host or container:NAME"),
            Option.value("uts", null, "MODE", "uts namespace: private (default) or host"),
            Option.value("network", null, "MODE", "network: private or none (loopback only), host or container:NAME"),
            Option.value("cgroupns", null, "MODE", "cgroup namespace: private (default) or host"),
            Option.value("userns", null, "MODE", "user namespace: host (none, default) or auto (a free uid range)"),
            Option.repeated("uidmap", null, "C:H:N", "map container uids C.. to host uids H.. (N of them)"),
            Option.repeated("gidmap", null, "C:H:N", "map container gids C.. to host gids H.. (N of them)"),
            Option.value("memory", "m", "SIZE", "memory limit, like 64m or 1g (units b, k, m, g; at least 6m)"),
            Option.value("memory-swap", null, "SIZE", "memory plus swap limit; -1 for unlimited swap"),
            Option.value("memory-reservation", null, "SIZE", "memory soft limit"),
            Option.value("cpus", null, "N", "CPUs the container may use, like 0.5"),
            Option.value("cpu-shares", "c", "N", "relative CPU weight (default 1024)"),
            Option.value("cpuset-cpus", null, "LIST", "CPUs the container may run on, like 0-1 or 0,2"),
            Option.value("pids-limit", null, "N", "most tasks the container may have (-1: unlimited)"),
            Option.repeated("cap-add", null, "CAP", "add a capability (NET_ADMIN, or ALL)"),
            Option.repeated("cap-drop", null, "CAP", "drop a capability (NET_RAW, or ALL)"),
            Option.flag("privileged", null, "every capability the engine holds, all devices, nothing masked"),
            Option.repeated("security-opt", null, "OPT", "label=disable|type:T|level:L, no-new-privileges[=false], "
                    + "seccomp=unconfined|PROFILE.json"));
    /** Every create option, in usage order. */
    static final List<Option> OPTIONS = concat(List.of(NAME, RM, ENV, ENV_FILE, WORKDIR, USER, HOSTNAME, ENTRYPOINT,
            READ_ONLY, VOLUME, RUNTIME, INTERACTIVE, TTY), ISOLATION);

    private static List<Option> concat(List<Option> a, List<Option> b) {
        List<Option> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

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
        options.set("isolation", isolation(args));
        body.put("autoRemove", args.has("rm"));
        return body;
    }

    /**
     * The isolation options given, by long name; a flag is {@code ["true"]}. A
     * {@code --security-opt seccomp=FILE} is sent with the file's content, as the docker CLI does, since
     * the daemon may not see the client's files.
     */
    static ObjectNode isolation(ParsedArguments args) throws IOException {
        ObjectNode isolation = Json.object();
        for (Option option : ISOLATION) {
            String name = option.longName();
            if (!args.has(name)) {
                continue;
            }
            ArrayNode values = isolation.putArray(name);
            if (option.valueName() == null) {
                values.add("true");
                continue;
            }
            for (String value : args.values(name)) {
                values.add(name.equals("security-opt") ? securityOption(value) : value);
            }
        }
        return isolation;
    }

    /**
     * Whether these {@code run}/{@code create} arguments need the caller's own process: standard input
     * ({@code -i}), a terminal ({@code -t}), or a file it names ({@code --env-file},
     * {@code --security-opt seccomp=FILE}).
     */
    static boolean needsCaller(ParsedArguments args) {
        if (args.has("interactive") || args.has("tty") || !args.values("env-file").isEmpty()) {
            return true;
        }
        for (String value : args.values("security-opt")) {
            if (securityOptionReadsFile(value)) {
                return true;
            }
        }
        return false;
    }

    private static boolean securityOptionReadsFile(String value) {
        String key = "seccomp=";
        return value.startsWith(key) && !value.equals(key + "unconfined") && !value.equals(key + "builtin")
                && !value.startsWith(key + "{");
    }

    private static String securityOption(String value) throws IOException {
        String key = "seccomp=";
        if (!securityOptionReadsFile(value)) {
            return value;
        }
        Path profile = Path.of(value.substring(key.length()));
        try {
            String text = Files.readString(profile, StandardCharsets.UTF_8);
            try {
                return key + Json.text(Json.parse(text)); // compact: the request has a size limit
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                return key + text; // the seccomp module names what is wrong with it
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--security-opt " + value + ": no such file " + profile);
        } catch (IOException e) {
            throw new IllegalArgumentException("--security-opt " + value + ": cannot read " + profile + ": " + e.getMessage());
        }
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

    /** One {@code -v HOST:CTR[:OPTS]} as {@code {source, target, readOnly, relabel}}. */
    static ObjectNode volume(String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("-v " + spec + ": expected HOST:CONTAINER or HOST:CONTAINER:OPTIONS");
        }
        if (!parts[0].startsWith("/")) {
            throw new IllegalArgumentException("-v " + spec + ": host path \"" + parts[0]
                    + "\" is not absolute (named volumes are not supported; give /abs/path)");
        }
        if (!parts[1].startsWith("/")) {
            throw new IllegalArgumentException("-v " + spec + ": container path \"" + parts[1] + "\" is not absolute");
        }
        boolean readOnly = false;
        String relabel = null;
        if (parts.length == 3) {
            boolean mode = false;
            for (String word : parts[2].split(",", -1)) {
                switch (word) {
                    case "ro", "rw" -> {
                        if (mode) {
                            throw new IllegalArgumentException("-v " + spec + ": ro and rw given more than once");
                        }
                        mode = true;
                        readOnly = word.equals("ro");
                    }
                    case "z", "Z" -> {
                        if (relabel != null) {
                            throw new IllegalArgumentException("-v " + spec + ": z and Z given more than once");
                        }
                        relabel = word;
                    }
                    default -> throw new IllegalArgumentException("-v " + spec + ": option \"" + word
                            + "\" is none of ro, rw, z, Z");
                }
            }
        }
        ObjectNode volume = Json.object();
        volume.put("source", parts[0]);
        volume.put("target", parts[1]);
        volume.put("readOnly", readOnly);
        if (relabel != null) {
            volume.put("relabel", relabel);
        }
        return volume;
    }
}
