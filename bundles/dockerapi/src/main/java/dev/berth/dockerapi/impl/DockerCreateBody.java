package dev.berth.dockerapi.impl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Turns the body of Docker's {@code POST /containers/create} (the container config with {@code HostConfig}
 * and {@code NetworkingConfig}) into Berth's create order on the engine's bus: {@code {"op":"create", image,
 * name, options, autoRemove}}, {@code options} being the JSON of {@code dev.berth.api.container.RunOptions}
 * and the resource, namespace and privilege fields going into {@code options.isolation} under the long flag
 * names the isolation modules read ({@code memory}, {@code cpus}, {@code network}, ...).
 *
 * <p>Nothing is dropped silently: a field Berth honours is mapped; a field Berth does not honour is accepted
 * only when it holds its zero value (what the docker client sends for every option not given: {@code 0},
 * {@code ""}, {@code false}, {@code null}, an empty list or object, or Docker's named default such as
 * {@code RestartPolicy.Name "no"}); anything else is refused with every such field named. The values Berth
 * takes are checked here (negative sizes, numbers that are not whole or overflow, relative or {@code ..}
 * paths, names with slashes) so a bad request never reaches the engine; the isolation modules check the
 * rest (the 6 MiB memory minimum, CPU counts) and their messages come back as 400s. Every problem is an
 * {@link DockerException} 400 naming the field by its path ({@code HostConfig.Binds[1]}). Stateless and
 * thread-safe.
 */
final class DockerCreateBody {
    /** Docker's container name rule, after one leading slash is taken off. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    private static final Pattern RUNTIME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,62})?");
    private static final Pattern CAPABILITY = Pattern.compile("[A-Za-z_]{1,64}");
    private static final int MAX_TEXT = 4096;
    private static final int MAX_LIST = 1024;
    /** The docker client sends a seccomp profile inline in SecurityOpt; profiles run to tens of KiB. */
    private static final int MAX_SECURITY_OPT = 128 * 1024;
    private static final BigDecimal NANOS = BigDecimal.valueOf(1_000_000_000L);

    /** The config fields Berth maps. */
    private static final Set<String> CONFIG_TAKEN = Set.of("Hostname", "User", "Tty", "OpenStdin", "Env", "Cmd",
            "Image", "WorkingDir", "Entrypoint", "NetworkDisabled", "HostConfig", "NetworkingConfig");
    /**
     * Config fields that say how a client means to use the streams, or that only the client reads: they
     * change nothing in the container, so any value is accepted. {@code StdinOnce}: Berth closes the
     * process's standard input when the attached client closes its own, which is what StdinOnce asks.
     */
    private static final Set<String> CONFIG_ANY = Set.of("AttachStdin", "AttachStdout", "AttachStderr", "StdinOnce",
            "ArgsEscaped");
    /** The host config fields Berth maps. */
    private static final Set<String> HOST_TAKEN = Set.of("Binds", "Mounts", "NetworkMode", "AutoRemove", "Runtime",
            "Memory", "MemorySwap", "MemoryReservation", "NanoCpus", "CpuShares", "CpusetCpus", "PidsLimit",
            "CapAdd", "CapDrop", "Privileged", "ReadonlyRootfs", "PidMode", "IpcMode", "UTSMode", "UsernsMode",
            "CgroupnsMode", "SecurityOpt");
    /**
     * Host config fields any value of which is harmless. {@code ContainerIDFile}: the client writes that file
     * itself. {@code ConsoleSize}: the initial terminal size; the client sends a resize right after the start,
     * which Berth applies, so the container only ever sees the size the client wants.
     */
    private static final Set<String> HOST_ANY = Set.of("ContainerIDFile", "ConsoleSize");
    /** Docker's named defaults of fields Berth does not honour: these values mean "not asked for". */
    private static final Map<String, Set<Object>> DEFAULTS = Map.of(
            "HostConfig.RestartPolicy.Name", Set.of("", "no"),
            "HostConfig.LogConfig.Type", Set.of("", "json-file"),
            "HostConfig.Isolation", Set.of("", "default"),
            "HostConfig.MemorySwappiness", Set.of(-1, -1L),
            "HostConfig.Cgroup", Set.of(""),
            "Config.StopSignal", Set.of("", "SIGTERM", "TERM", "15"));

    /** The objects of the create body that are structs, not maps (see {@link #struct}). */
    private static final Set<String> STRUCTS = Set.of("HostConfig.RestartPolicy", "HostConfig.LogConfig",
            "Config.Healthcheck", "NetworkingConfig");

    private DockerCreateBody() {
    }

    /**
     * The engine's create order for {@code body} and the {@code name} query parameter (null or empty for a
     * generated name).
     *
     * @throws DockerException 400 naming each field that is wrong or that Berth cannot honour
     */
    static JsonObject order(JsonObject body, String name) {
        if (body == null) {
            throw DockerException.invalid("create: the request body must be a JSON object (the container config)");
        }
        List<String> refused = new ArrayList<>();
        JsonObject host = object(body, "HostConfig", "HostConfig");
        JsonObject networking = object(body, "NetworkingConfig", "NetworkingConfig");
        unhonoured(body, CONFIG_TAKEN, CONFIG_ANY, "Config", refused);
        unhonoured(host, HOST_TAKEN, HOST_ANY, "HostConfig", refused);
        String image = text(body, "Image", "Image");
        if (image == null) {
            throw DockerException.invalid("create: Image is required: the image to create the container from");
        }
        if (image.length() > 512 || image.chars().anyMatch(Character::isWhitespace)) {
            throw DockerException.invalid("create: Image \"" + QueryParameters.shorten(image)
                    + "\" is not an image reference (no spaces, at most 512 characters)");
        }
        Map<String, List<String>> isolation = new LinkedHashMap<>();
        JsonObject options = new JsonObject()
                .put("command", command(body.getValue("Cmd"), "Cmd", false))
                .put("entrypoint", command(body.getValue("Entrypoint"), "Entrypoint", true))
                .put("env", env(body.getValue("Env")))
                .put("workingDir", absolute(text(body, "WorkingDir", "WorkingDir"), "WorkingDir"))
                .put("user", text(body, "User", "User"))
                .put("hostname", hostname(text(body, "Hostname", "Hostname")))
                .put("readOnly", bool(host, "ReadonlyRootfs", "HostConfig.ReadonlyRootfs"))
                .put("volumes", volumes(host))
                .put("tty", bool(body, "Tty", "Tty"))
                .put("stdin", bool(body, "OpenStdin", "OpenStdin"))
                .put("runtime", runtime(text(host, "Runtime", "HostConfig.Runtime")));
        resources(host, isolation);
        namespaces(body, host, networking, isolation, refused);
        privileges(host, isolation);
        if (!refused.isEmpty()) {
            throw DockerException.invalid("create: Berth cannot honour " + String.join(", ", refused)
                    + (refused.size() == 1 ? "; leave it out" : "; leave them out"));
        }
        JsonObject isolationJson = new JsonObject();
        isolation.forEach((option, values) -> isolationJson.put(option, new JsonArray(new ArrayList<>(values))));
        options.put("isolation", isolationJson);
        return new JsonObject().put("op", "create").put("image", image).put("name", name(name))
                .put("options", options).put("autoRemove", bool(host, "AutoRemove", "HostConfig.AutoRemove"));
    }

    /** The container name without Docker's leading slash; null for none. */
    static String name(String name) {
        if (name == null || name.isEmpty()) {
            return null;
        }
        String bare = name.startsWith("/") ? name.substring(1) : name;
        if (bare.length() > 128 || !NAME.matcher(bare).matches()) {
            throw DockerException.invalid("Invalid container name (" + QueryParameters.shorten(name)
                    + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        return bare;
    }

    // ---- fields Berth does not honour ------------------------------------------------------------------

    /**
     * Adds to {@code refused} every field of {@code object} outside {@code taken} and {@code any} whose value
     * is not its zero value, by its path under {@code prefix}.
     */
    private static void unhonoured(JsonObject object, Set<String> taken, Set<String> any, String prefix,
            List<String> refused) {
        for (String field : new TreeSet<>(object.fieldNames())) {
            if (taken.contains(field) || any.contains(field)) {
                continue;
            }
            String path = prefix + "." + field;
            if (!zero(path, object.getValue(field))) {
                refused.add((prefix.equals("Config") ? field : path) + " (" + shown(object.getValue(field)) + ")");
            }
        }
    }

    /** Whether {@code value} at {@code path} means "not asked for". */
    static boolean zero(String path, Object value) {
        Set<Object> defaults = DEFAULTS.get(path);
        if (defaults != null && value != null && defaults.contains(value instanceof Number n && !(value
                instanceof Double) ? (Object) n.intValue() : value)) {
            return true;
        }
        if (value == null || Boolean.FALSE.equals(value) || "".equals(value)) {
            return true;
        }
        if (value instanceof Number number) {
            return number.doubleValue() == 0;
        }
        if (value instanceof JsonArray array) {
            return array.isEmpty();
        }
        if (value instanceof JsonObject object) {
            if (!struct(path)) {
                return object.isEmpty(); // a map ({"80/tcp": {}}): its keys are what is asked for
            }
            for (String field : object.fieldNames()) {
                if (!zero(path + "." + field, object.getValue(field))) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * Whether the object at {@code path} is a struct of Docker's API, whose fields all at zero mean "not asked
     * for", rather than a map ({@code ExposedPorts}, {@code Labels}, {@code PortBindings}), any key of which
     * asks for something.
     */
    private static boolean struct(String path) {
        return STRUCTS.contains(path) || path.startsWith("NetworkingConfig.EndpointsConfig.");
    }

    private static String shown(Object value) {
        String text = value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
        return QueryParameters.shorten(text);
    }

    // ---- command, environment, paths -------------------------------------------------------------------

    /**
     * {@code Cmd} or {@code Entrypoint}: null for the image's; a string counts as a one-word list (Docker's
     * StrSlice). An entrypoint of {@code [""]}, which {@code --entrypoint ""} sends, clears the image's.
     */
    private static JsonArray command(Object value, String field, boolean entrypoint) {
        if (value == null) {
            return null;
        }
        JsonArray words = value instanceof String s ? new JsonArray().add(s) : null;
        if (words == null) {
            words = strings(value, field);
        }
        if (entrypoint && words.size() == 1 && words.getString(0).isEmpty()) {
            return new JsonArray();
        }
        if (!entrypoint && words.isEmpty()) {
            return null; // an empty Cmd is the image's, as in Docker
        }
        for (int i = 0; i < words.size(); i++) {
            if (words.getString(i).indexOf('\0') >= 0) {
                throw DockerException.invalid("create: " + field + "[" + i + "] contains a NUL character");
            }
        }
        return words;
    }

    private static JsonArray env(Object value) {
        JsonArray env = value == null ? new JsonArray() : strings(value, "Env");
        for (int i = 0; i < env.size(); i++) {
            String entry = env.getString(i);
            if (entry.indexOf('=') < 1 || entry.indexOf('\0') >= 0) {
                throw DockerException.invalid("create: Env[" + i + "] \"" + QueryParameters.shorten(entry)
                        + "\" is not KEY=VALUE");
            }
        }
        return env;
    }

    /** {@code Binds} ({@code /host:/container[:ro|rw][,z|Z]}) and {@code Mounts} of type bind, as volumes. */
    private static JsonArray volumes(JsonObject host) {
        JsonArray volumes = new JsonArray();
        Object binds = host.getValue("Binds");
        if (binds != null) {
            JsonArray list = strings(binds, "HostConfig.Binds");
            for (int i = 0; i < list.size(); i++) {
                volumes.add(bind(list.getString(i), "HostConfig.Binds[" + i + "]"));
            }
        }
        Object mounts = host.getValue("Mounts");
        if (mounts != null) {
            if (!(mounts instanceof JsonArray list)) {
                throw DockerException.invalid("create: HostConfig.Mounts must be a list");
            }
            for (int i = 0; i < list.size(); i++) {
                volumes.add(mount(list.getValue(i), "HostConfig.Mounts[" + i + "]"));
            }
        }
        if (volumes.size() > MAX_LIST) {
            throw DockerException.invalid("create: more than " + MAX_LIST + " bind mounts");
        }
        return volumes;
    }

    /** One {@code Binds} entry. Named volumes do not exist in Berth: the source must be an absolute path. */
    static JsonObject bind(String spec, String path) {
        String[] parts = spec.split(":", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw DockerException.invalid("create: " + path + " \"" + QueryParameters.shorten(spec)
                    + "\" is not /host/path:/container/path[:options]");
        }
        String source = hostPath(parts[0], path + " source");
        String target = containerPath(parts[1], path + " target");
        boolean readOnly = false;
        String relabel = null;
        if (parts.length == 3) {
            boolean mode = false;
            for (String word : parts[2].split(",", -1)) {
                switch (word) {
                    case "ro", "rw" -> {
                        if (mode) {
                            throw DockerException.invalid("create: " + path + ": ro and rw given more than once");
                        }
                        mode = true;
                        readOnly = word.equals("ro");
                    }
                    case "z", "Z" -> {
                        if (relabel != null) {
                            throw DockerException.invalid("create: " + path + ": z and Z given more than once");
                        }
                        relabel = word;
                    }
                    default -> throw DockerException.invalid("create: " + path + ": Berth cannot honour the mount option \""
                            + QueryParameters.shorten(word) + "\" (it takes ro, rw, z and Z)");
                }
            }
        }
        return volume(source, target, readOnly, relabel);
    }

    /** One {@code Mounts} entry: only {@code Type: bind} without bind options exists in Berth. */
    private static JsonObject mount(Object value, String path) {
        if (!(value instanceof JsonObject mount)) {
            throw DockerException.invalid("create: " + path + " must be an object");
        }
        Object type = mount.getValue("Type");
        if (!"bind".equals(type)) {
            throw DockerException.invalid("create: " + path + ".Type " + shown(type)
                    + ": Berth has no volumes or tmpfs mounts, only bind mounts of absolute host paths");
        }
        for (String field : new TreeSet<>(mount.fieldNames())) {
            if (!Set.of("Type", "Source", "Target", "ReadOnly").contains(field)
                    && !zero(path + "." + field, mount.getValue(field))) {
                throw DockerException.invalid("create: Berth cannot honour " + path + "." + field + " ("
                        + shown(mount.getValue(field)) + ")");
            }
        }
        String source = hostPath(text(mount, "Source", path + ".Source"), path + ".Source");
        String target = containerPath(text(mount, "Target", path + ".Target"), path + ".Target");
        return volume(source, target, bool(mount, "ReadOnly", path + ".ReadOnly"), null);
    }

    private static JsonObject volume(String source, String target, boolean readOnly, String relabel) {
        JsonObject volume = new JsonObject().put("source", source).put("target", target).put("readOnly", readOnly);
        if (relabel != null) {
            volume.put("relabel", relabel);
        }
        return volume;
    }

    /**
     * A host path for a bind mount: absolute, without {@code .} or {@code ..} segments (Docker would clean
     * them; refusing keeps what is mounted exactly what the request spells), without control characters.
     */
    private static String hostPath(String value, String path) {
        if (value == null || value.isEmpty()) {
            throw DockerException.invalid("create: " + path + " is empty");
        }
        if (!value.startsWith("/")) {
            throw DockerException.invalid("create: " + path + " \"" + QueryParameters.shorten(value)
                    + "\" is not an absolute path; Berth has no named volumes");
        }
        return plainPath(value, path);
    }

    private static String containerPath(String value, String path) {
        if (value == null || !value.startsWith("/")) {
            throw DockerException.invalid("create: " + path + " \"" + (value == null ? "" : QueryParameters.shorten(value))
                    + "\" is not an absolute path in the container");
        }
        String plain = plainPath(value, path);
        if (plain.equals("/")) {
            throw DockerException.invalid("create: " + path + ": cannot mount over the container's root \"/\"");
        }
        return plain;
    }

    private static String plainPath(String value, String path) {
        if (value.length() > MAX_TEXT || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw DockerException.invalid("create: " + path + " contains control characters or is too long");
        }
        for (String segment : value.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw DockerException.invalid("create: " + path + " \"" + QueryParameters.shorten(value)
                        + "\" contains a . or .. segment");
            }
        }
        return value.length() > 1 && value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
    }

    private static String absolute(String value, String field) {
        if (value != null && !value.startsWith("/")) {
            throw DockerException.invalid("create: the working directory '" + QueryParameters.shorten(value)
                    + "' is invalid, it needs to be an absolute path (" + field + ")");
        }
        return value;
    }

    private static String hostname(String value) {
        if (value != null && !HOSTNAME.matcher(value).matches()) {
            throw DockerException.invalid("create: Hostname \"" + QueryParameters.shorten(value)
                    + "\" is not a host name of at most 63 letters, digits, '.' and '-'");
        }
        return value;
    }

    private static String runtime(String value) {
        if (value != null && !RUNTIME.matcher(value).matches()) {
            throw DockerException.invalid("create: HostConfig.Runtime \"" + QueryParameters.shorten(value)
                    + "\" is not a runtime name");
        }
        return value;
    }

    // ---- isolation options ----------------------------------------------------------------------------

    private static void resources(JsonObject host, Map<String, List<String>> isolation) {
        long memory = whole(host, "Memory", 0, Long.MAX_VALUE);
        if (memory > 0) {
            isolation.put("memory", List.of(Long.toString(memory)));
        }
        long swap = whole(host, "MemorySwap", -1, Long.MAX_VALUE);
        if (swap != 0) {
            isolation.put("memory-swap", List.of(Long.toString(swap)));
        }
        long reservation = whole(host, "MemoryReservation", 0, Long.MAX_VALUE);
        if (reservation > 0) {
            isolation.put("memory-reservation", List.of(Long.toString(reservation)));
        }
        long nanoCpus = whole(host, "NanoCpus", 0, Long.MAX_VALUE);
        if (nanoCpus > 0) {
            isolation.put("cpus", List.of(BigDecimal.valueOf(nanoCpus).divide(NANOS).stripTrailingZeros()
                    .toPlainString()));
        }
        long shares = whole(host, "CpuShares", 0, Long.MAX_VALUE);
        if (shares > 0) {
            isolation.put("cpu-shares", List.of(Long.toString(shares)));
        }
        String cpuset = text(host, "CpusetCpus", "HostConfig.CpusetCpus");
        if (cpuset != null) {
            isolation.put("cpuset-cpus", List.of(cpuset));
        }
        if (host.getValue("PidsLimit") != null) {
            // Docker: 0 and null mean no change, any negative value means unlimited.
            long pids = whole(host, "PidsLimit", Long.MIN_VALUE, Long.MAX_VALUE);
            if (pids != 0) {
                isolation.put("pids-limit", List.of(pids < 0 ? "-1" : Long.toString(pids)));
            }
        }
    }

    /**
     * {@code NetworkMode} ({@code default}/{@code bridge}: Berth's default, a network namespace of its own;
     * {@code none}, {@code host}, {@code container:NAME}), {@code NetworkDisabled}, and the pid, ipc, uts,
     * user and cgroup namespace modes.
     */
    private static void namespaces(JsonObject body, JsonObject host, JsonObject networking,
            Map<String, List<String>> isolation, List<String> refused) {
        String mode = text(host, "NetworkMode", "HostConfig.NetworkMode");
        String network = mode == null ? "default" : mode;
        String berthNetwork = switch (network) {
            case "default", "bridge" -> null;
            case "none", "host" -> network;
            default -> {
                if (network.startsWith("container:") && network.length() > "container:".length()) {
                    yield network;
                }
                throw DockerException.invalid("create: HostConfig.NetworkMode \"" + QueryParameters.shorten(network)
                        + "\": Berth has no user-defined networks; use default, bridge, none, host or container:NAME");
            }
        };
        if (bool(body, "NetworkDisabled", "NetworkDisabled")) {
            if (berthNetwork != null && !berthNetwork.equals("none")) {
                throw DockerException.invalid("create: NetworkDisabled contradicts HostConfig.NetworkMode \""
                        + network + "\"");
            }
            berthNetwork = "none";
        }
        if (berthNetwork != null) {
            isolation.put("network", List.of(berthNetwork));
        }
        JsonObject endpoints = object(networking, "EndpointsConfig", "NetworkingConfig.EndpointsConfig");
        for (String name : new TreeSet<>(endpoints.fieldNames())) {
            String path = "NetworkingConfig.EndpointsConfig." + name;
            if (!name.equals(network)) {
                refused.add(path + " (Berth attaches a container to its NetworkMode only)");
            } else if (!zero(path, endpoints.getValue(name))) {
                refused.add(path + " (" + shown(endpoints.getValue(name)) + ")");
            }
        }
        for (String other : new TreeSet<>(networking.fieldNames())) {
            if (!other.equals("EndpointsConfig") && !zero("NetworkingConfig." + other, networking.getValue(other))) {
                refused.add("NetworkingConfig." + other + " (" + shown(networking.getValue(other)) + ")");
            }
        }
        joinable(host, "PidMode", "pid", isolation, Set.of("host"));
        joinable(host, "IpcMode", "ipc", isolation, Set.of("host", "private", "shareable"));
        String uts = text(host, "UTSMode", "HostConfig.UTSMode");
        if (uts != null) {
            if (!uts.equals("host")) {
                throw DockerException.invalid("create: HostConfig.UTSMode \"" + QueryParameters.shorten(uts)
                        + "\": Berth takes host or an empty value");
            }
            isolation.put("uts", List.of("host"));
        }
        String userns = text(host, "UsernsMode", "HostConfig.UsernsMode");
        if (userns != null) {
            if (!userns.equals("host") && !userns.equals("auto")) {
                throw DockerException.invalid("create: HostConfig.UsernsMode \"" + QueryParameters.shorten(userns)
                        + "\": Berth takes host, auto or an empty value");
            }
            isolation.put("userns", List.of(userns));
        }
        String cgroupns = text(host, "CgroupnsMode", "HostConfig.CgroupnsMode");
        if (cgroupns != null) {
            if (!cgroupns.equals("host") && !cgroupns.equals("private")) {
                throw DockerException.invalid("create: HostConfig.CgroupnsMode \"" + QueryParameters.shorten(cgroupns)
                        + "\": Berth takes host, private or an empty value");
            }
            isolation.put("cgroupns", List.of(cgroupns));
        }
    }

    /** A namespace mode: empty for the default, one of {@code words}, or {@code container:NAME}. */
    private static void joinable(JsonObject host, String field, String option, Map<String, List<String>> isolation,
            Set<String> words) {
        String value = text(host, field, "HostConfig." + field);
        if (value == null) {
            return;
        }
        if (value.equals("private") || value.equals("shareable")) {
            isolation.put(option, List.of("private")); // shareable: Docker's default ipc, private to the container
            return;
        }
        if (words.contains(value) || value.startsWith("container:") && value.length() > "container:".length()) {
            isolation.put(option, List.of(value));
            return;
        }
        throw DockerException.invalid("create: HostConfig." + field + " \"" + QueryParameters.shorten(value)
                + "\": Berth takes " + String.join(", ", new TreeSet<>(words)) + ", container:NAME or an empty value");
    }

    private static void privileges(JsonObject host, Map<String, List<String>> isolation) {
        List<String> add = capabilities(host, "CapAdd");
        if (!add.isEmpty()) {
            isolation.put("cap-add", add);
        }
        List<String> drop = capabilities(host, "CapDrop");
        if (!drop.isEmpty()) {
            isolation.put("cap-drop", drop);
        }
        if (bool(host, "Privileged", "HostConfig.Privileged")) {
            isolation.put("privileged", List.of("true"));
        }
        Object security = host.getValue("SecurityOpt");
        if (security != null) {
            JsonArray options = strings(security, "HostConfig.SecurityOpt");
            List<String> values = new ArrayList<>();
            for (int i = 0; i < options.size(); i++) {
                String option = options.getString(i);
                if (option.isEmpty() || option.length() > MAX_SECURITY_OPT) {
                    throw DockerException.invalid("create: HostConfig.SecurityOpt[" + i + "] is empty or longer than "
                            + MAX_SECURITY_OPT + " characters");
                }
                values.add(option);
            }
            if (!values.isEmpty()) {
                isolation.put("security-opt", values);
            }
        }
    }

    private static List<String> capabilities(JsonObject host, String field) {
        Object value = host.getValue(field);
        if (value == null) {
            return List.of();
        }
        JsonArray list = strings(value, "HostConfig." + field);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String name = list.getString(i);
            if (!CAPABILITY.matcher(name).matches()) {
                throw DockerException.invalid("create: HostConfig." + field + "[" + i + "] \""
                        + QueryParameters.shorten(name) + "\" is not a capability name");
            }
            names.add(name);
        }
        return names;
    }

    // ---- JSON helpers ---------------------------------------------------------------------------------

    private static JsonObject object(JsonObject body, String field, String path) {
        Object value = body.getValue(field);
        if (value == null) {
            return new JsonObject();
        }
        if (!(value instanceof JsonObject object)) {
            throw DockerException.invalid("create: " + path + " must be an object");
        }
        return object;
    }

    /** A string field; null when absent or empty. */
    private static String text(JsonObject body, String field, String path) {
        Object value = body.getValue(field);
        if (value == null || "".equals(value)) {
            return null;
        }
        if (!(value instanceof String text) || text.length() > MAX_TEXT
                || text.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw DockerException.invalid("create: " + path + " must be a string of printable characters, at most "
                    + MAX_TEXT);
        }
        return text;
    }

    private static boolean bool(JsonObject body, String field, String path) {
        Object value = body.getValue(field);
        if (value == null) {
            return false;
        }
        if (!(value instanceof Boolean flag)) {
            throw DockerException.invalid("create: " + path + " must be true or false");
        }
        return flag;
    }

    /**
     * A whole-number field of the host config between {@code min} and {@code max}; 0 when absent. A fraction,
     * a number past 64 bits or a string is refused, naming the field.
     */
    private static long whole(JsonObject host, String field, long min, long max) {
        Object value = host.getValue(field);
        if (value == null) {
            return 0;
        }
        long number;
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            number = ((Number) value).longValue();
        } else if (value instanceof java.math.BigInteger || value instanceof Number) {
            throw DockerException.invalid("create: HostConfig." + field + " " + shown(value)
                    + " is not a whole number between " + min + " and " + max);
        } else {
            throw DockerException.invalid("create: HostConfig." + field + " must be a number");
        }
        if (number < min || number > max) {
            throw DockerException.invalid("create: HostConfig." + field + " " + number
                    + (number < 0 ? " is negative" : " is out of range") + (min < 0 && min > Long.MIN_VALUE
                    ? "; use " + min + " for unlimited" : ""));
        }
        return number;
    }

    private static JsonArray strings(Object value, String path) {
        if (!(value instanceof JsonArray list)) {
            throw DockerException.invalid("create: " + path + " must be a list of strings");
        }
        if (list.size() > MAX_LIST) {
            throw DockerException.invalid("create: " + path + " has more than " + MAX_LIST + " entries");
        }
        for (int i = 0; i < list.size(); i++) {
            if (!(list.getValue(i) instanceof String)) {
                throw DockerException.invalid("create: " + path + "[" + i + "] must be a string");
            }
        }
        return list.copy();
    }
}
