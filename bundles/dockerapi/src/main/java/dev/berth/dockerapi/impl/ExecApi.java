package dev.berth.dockerapi.impl;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Docker's exec calls over Berth's {@code exec} op. Docker creates an exec instance first ({@code POST
 * /containers/{id}/exec}, checked and kept here in memory, as Docker keeps them) and runs it later
 * ({@code POST /exec/{id}/start}); Berth runs one in a single step, so the start is where Berth's exec op is
 * called. The process's monitor waits for a START frame, which is sent once the client's hijacked connection
 * is joined to the monitor ({@link AttachBridge}), so no output is lost; a detached start is joined to no
 * client, its output dropped, its exit code still recorded. {@code GET /exec/{id}/json} answers running,
 * exit code and the process's pid (from the monitor's pid file while it runs); {@code POST
 * /exec/{id}/resize} goes to the monitor as a RESIZE frame. The monitor ends with the process, so nothing
 * is left behind. At most {@value #MAX_KEPT} instances are kept, finished ones dropped first. Thread-safe:
 * the registry is synchronized, each instance's fields are written on one event loop and read under the
 * registry's lock.
 */
final class ExecApi {
    static final int MAX_KEPT = 4096;
    private static final Set<String> CREATE_TAKEN = Set.of("Cmd", "Env", "User", "WorkingDir", "Tty", "AttachStdin",
            "AttachStdout", "AttachStderr", "Privileged");
    /**
     * Accepted with any value. {@code ConsoleSize}: applied at the start. {@code Detach}: the docker client
     * repeats it here; the start's own {@code Detach} is what decides. {@code DetachKeys}: Berth's attach has
     * no detach sequence, the client leaves by closing its connection, which leaves the process running just
     * the same.
     */
    private static final Set<String> CREATE_ANY = Set.of("ConsoleSize", "Detach", "DetachKeys");

    /** One exec instance. */
    static final class Exec {
        final String id;
        final String containerId;
        final String bundle;
        final JsonArray args;
        final JsonArray env;
        final String user;
        final String workingDir;
        final boolean tty;
        final boolean stdin;
        final boolean stdout;
        final boolean stderr;
        boolean started;
        boolean running;
        Integer exitCode;
        String berthExecId;
        AttachBridge bridge;

        Exec(String id, String containerId, String bundle, JsonArray args, JsonArray env, String user,
                String workingDir, boolean tty, boolean stdin, boolean stdout, boolean stderr) {
            this.id = id;
            this.containerId = containerId;
            this.bundle = bundle;
            this.args = args;
            this.env = env;
            this.user = user;
            this.workingDir = workingDir;
            this.tty = tty;
            this.stdin = stdin;
            this.stdout = stdout;
            this.stderr = stderr;
        }
    }

    private final ContainerApi containers;
    private final EngineBus engine;
    private final NetClient net;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Exec> execs = new LinkedHashMap<>();

    ExecApi(ContainerApi containers, EngineBus engine, NetClient net) {
        this.containers = containers;
        this.engine = engine;
        this.net = net;
    }

    boolean handle(DockerRequest request) {
        List<String> m;
        if ((m = request.match(HttpMethod.POST, "/containers/{id}/exec")) != null) {
            create(request, m.get(0));
        } else if ((m = request.match(HttpMethod.POST, "/exec/{id}/start")) != null) {
            start(request, m.get(0));
        } else if ((m = request.match(HttpMethod.POST, "/exec/{id}/resize")) != null) {
            resize(request, m.get(0));
        } else if ((m = request.match(HttpMethod.GET, "/exec/{id}/json")) != null) {
            inspect(request, m.get(0));
        } else {
            return false;
        }
        return true;
    }

    private void create(DockerRequest request, String container) {
        ContainerApi.body(request).onComplete(read -> {
            if (read.failed()) {
                DockerReply.failure(request.response(), read.cause());
                return;
            }
            JsonObject config;
            try {
                config = checkCreate(read.result());
            } catch (DockerException e) {
                DockerReply.error(request.response(), e.status(), e.getMessage());
                return;
            }
            containers.ask(ContainerApi.order("inspect", container)).onComplete(found -> {
                if (found.failed()) {
                    ContainerApi.fail(request, found.cause(), container);
                    return;
                }
                JsonObject c = found.result();
                if (!"running".equals(c.getString("status"))) {
                    DockerReply.error(request.response(), 409, "Container " + c.getString("id") + " is not running");
                    return;
                }
                Exec exec = new Exec(newId(), c.getString("id"), c.getString("bundle"), config.getJsonArray("Cmd"),
                        config.getJsonArray("Env"), config.getString("User"), config.getString("WorkingDir"),
                        config.getBoolean("Tty"), config.getBoolean("AttachStdin"), config.getBoolean("AttachStdout"),
                        config.getBoolean("AttachStderr"));
                keep(exec);
                DockerReply.json(request.response(), 201, new JsonObject().put("Id", exec.id));
            });
        });
    }

    /**
     * Checks an exec config and returns it normalised ({@code Cmd} and {@code Env} as lists, flags as
     * booleans, empty strings as null).
     *
     * @throws DockerException 400 naming the field
     */
    static JsonObject checkCreate(JsonObject body) {
        for (String field : new TreeSet<>(body.fieldNames())) {
            if (!CREATE_TAKEN.contains(field) && !CREATE_ANY.contains(field)
                    && !DockerCreateBody.zero("Exec." + field, body.getValue(field))) {
                throw DockerException.invalid("exec: Berth cannot honour " + field);
            }
        }
        if (Boolean.TRUE.equals(body.getValue("Privileged"))) {
            throw DockerException.invalid("exec: Berth cannot honour Privileged: an exec runs with the container's "
                    + "own privileges");
        }
        Object cmd = body.getValue("Cmd");
        JsonArray args = cmd instanceof String s ? new JsonArray().add(s) : cmd instanceof JsonArray a ? a : null;
        if (args == null || args.isEmpty()) {
            throw DockerException.invalid("No exec command specified");
        }
        for (int i = 0; i < args.size(); i++) {
            if (!(args.getValue(i) instanceof String word) || word.indexOf('\0') >= 0) {
                throw DockerException.invalid("exec: Cmd[" + i + "] must be a string without NUL");
            }
        }
        JsonArray env = body.getValue("Env") == null ? new JsonArray()
                : body.getValue("Env") instanceof JsonArray list ? list : null;
        if (env == null) {
            throw DockerException.invalid("exec: Env must be a list of KEY=VALUE strings");
        }
        for (int i = 0; i < env.size(); i++) {
            if (!(env.getValue(i) instanceof String entry) || entry.indexOf('=') < 1 || entry.indexOf('\0') >= 0) {
                throw DockerException.invalid("exec: Env[" + i + "] is not KEY=VALUE");
            }
        }
        String user = text(body, "User");
        String workingDir = text(body, "WorkingDir");
        if (workingDir != null && !workingDir.startsWith("/")) {
            throw DockerException.invalid("exec: WorkingDir \"" + QueryParameters.shorten(workingDir)
                    + "\" is not an absolute path");
        }
        return new JsonObject().put("Cmd", args.copy()).put("Env", env.copy()).put("User", user)
                .put("WorkingDir", workingDir).put("Tty", flag(body, "Tty")).put("AttachStdin", flag(body, "AttachStdin"))
                .put("AttachStdout", flag(body, "AttachStdout")).put("AttachStderr", flag(body, "AttachStderr"));
    }

    private static String text(JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value == null || "".equals(value)) {
            return null;
        }
        if (!(value instanceof String text) || text.length() > 4096 || text.chars().anyMatch(c -> c < 0x20)) {
            throw DockerException.invalid("exec: " + field + " must be a string of printable characters");
        }
        return text;
    }

    private static boolean flag(JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value != null && !(value instanceof Boolean)) {
            throw DockerException.invalid("exec: " + field + " must be true or false");
        }
        return Boolean.TRUE.equals(value);
    }

    private void start(DockerRequest request, String id) {
        Exec exec = find(id);
        ContainerApi.body(request).onComplete(read -> {
            if (read.failed()) {
                DockerReply.failure(request.response(), read.cause());
                return;
            }
            JsonObject body = read.result();
            boolean detach = Boolean.TRUE.equals(body.getValue("Detach"));
            if (!detach && !HijackedStreams.upgrading(request.http())) {
                DockerReply.error(request.response(), 400, "exec start: the request must upgrade the connection "
                        + "(Connection: Upgrade, Upgrade: tcp) unless Detach is true");
                return;
            }
            synchronized (execs) {
                if (exec.started) {
                    DockerReply.error(request.response(), 409, "Exec instance " + id + " has already been started");
                    return;
                }
                exec.started = true;
                exec.running = true;
            }
            JsonObject order = new JsonObject().put("op", "exec").put("id", exec.containerId).put("args", exec.args)
                    .put("env", exec.env).put("workingDir", exec.workingDir).put("user", exec.user).put("tty", exec.tty)
                    .put("stdin", exec.stdin && !detach).put("detach", false);
            int[] size = consoleSize(body.getValue("ConsoleSize"));
            containers.ask(order).onComplete(ran -> {
                if (ran.failed()) {
                    exited(exec, null);
                    ContainerApi.fail(request, ran.cause(), exec.containerId);
                    return;
                }
                synchronized (execs) {
                    exec.berthExecId = ran.result().getString("execId");
                }
                String socket = ran.result().getString("socket");
                if (detach) {
                    runDetached(request, exec, socket, size);
                    return;
                }
                AttachBridge.Streams streams = new AttachBridge.Streams(exec.stdin, exec.stdout, exec.stderr, exec.tty);
                containers.bridge(request, socket, streams, exit -> exited(exec, exit), true).onComplete(joined -> {
                    if (joined.failed()) {
                        exited(exec, null);
                        return;
                    }
                    begin(exec, joined.result(), size);
                });
            });
        });
    }

    private void runDetached(DockerRequest request, Exec exec, String socket, int[] size) {
        AttachBridge.connect(net, socket, new AttachBridge.Streams(false, false, false, exec.tty),
                exit -> exited(exec, exit)).onComplete(connected -> {
                    if (connected.failed()) {
                        exited(exec, null);
                        DockerReply.error(request.response(), 500, "exec start: connect to the monitor's attach socket "
                                + socket + ": " + connected.cause().getMessage());
                        return;
                    }
                    connected.result().detached();
                    begin(exec, connected.result(), size);
                    request.response().setStatusCode(200).end();
                });
    }

    private void begin(Exec exec, AttachBridge bridge, int[] size) {
        synchronized (execs) {
            exec.bridge = bridge;
        }
        if (exec.tty && size != null) {
            bridge.resize(size[0], size[1]); // the monitor applies the last size once the terminal exists
        }
        bridge.start();
    }

    private void exited(Exec exec, JsonObject exit) {
        synchronized (execs) {
            exec.running = false;
            exec.bridge = null;
            if (exec.exitCode == null) {
                exec.exitCode = exit == null ? -1 : exit.getInteger("exitCode", -1);
            }
        }
    }

    private static int[] consoleSize(Object value) {
        if (value instanceof JsonArray size && size.size() == 2 && size.getValue(0) instanceof Number rows
                && size.getValue(1) instanceof Number columns && rows.intValue() > 0 && columns.intValue() > 0
                && rows.intValue() < 65536 && columns.intValue() < 65536) {
            return new int[] {rows.intValue(), columns.intValue()};
        }
        return null;
    }

    private void resize(DockerRequest request, String id) {
        Exec exec = find(id);
        int rows = (int) request.query().number("h", 0, 0, 65535);
        int columns = (int) request.query().number("w", 0, 0, 65535);
        AttachBridge bridge;
        synchronized (execs) {
            bridge = exec.bridge;
        }
        if (bridge == null) {
            DockerReply.error(request.response(), 409, "Exec instance " + id + " is not running");
            return;
        }
        bridge.resize(rows, columns);
        request.response().setStatusCode(200).end();
    }

    private void inspect(DockerRequest request, String id) {
        Exec exec = find(id);
        boolean running;
        Integer exitCode;
        String berthExecId;
        synchronized (execs) {
            running = exec.running;
            exitCode = exec.exitCode;
            berthExecId = exec.berthExecId;
        }
        Future<Integer> pid = running && berthExecId != null && exec.bundle != null
                ? engine.vertx().executeBlocking(() -> pid(Path.of(exec.bundle, "exec", berthExecId, "process.pid")),
                        false)
                : Future.succeededFuture(0);
        pid.otherwise(0).onComplete(ar -> {
            JsonObject process = new JsonObject().put("entrypoint", exec.args.getString(0))
                    .put("arguments", new JsonArray(exec.args.getList().subList(1, exec.args.size())))
                    .put("privileged", false).put("tty", exec.tty).put("user", exec.user == null ? "" : exec.user);
            DockerReply.json(request.response(), 200, new JsonObject().put("ID", exec.id).put("Running", running)
                    .put("ExitCode", exitCode).put("ProcessConfig", process).put("OpenStdin", exec.stdin)
                    .put("OpenStderr", exec.stderr).put("OpenStdout", exec.stdout).put("CanRemove", false)
                    .put("ContainerID", exec.containerId).put("DetachKeys", "").put("Pid", ar.result()));
        });
    }

    private static int pid(Path file) {
        try {
            return Integer.parseInt(Files.readString(file).trim());
        } catch (java.io.IOException | NumberFormatException e) {
            return 0;
        }
    }

    private Exec find(String id) {
        synchronized (execs) {
            Exec exec = execs.get(id);
            if (exec == null) {
                throw DockerException.notFound("No such exec instance: " + QueryParameters.shorten(id));
            }
            return exec;
        }
    }

    private void keep(Exec exec) {
        synchronized (execs) {
            execs.put(exec.id, exec);
            Iterator<Exec> oldest = execs.values().iterator();
            while (execs.size() > MAX_KEPT && oldest.hasNext()) {
                if (!oldest.next().running) {
                    oldest.remove();
                }
            }
        }
    }

    private String newId() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
