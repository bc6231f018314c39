package dev.berth.dockerapi.impl;

import dev.berth.api.bus.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The container calls of Docker's API, each translated to Berth's {@code berth.engine.containers} ops:
 * create, list, inspect, start, stop, restart, kill, wait, remove, logs, top, stats, attach (a hijacked
 * connection bridged to the container monitor's attach socket, {@link AttachBridge}) and resize; the exec
 * calls are {@link ExecApi}'s, changes, commit and export {@link ContainerAnatomyApi}'s. Calls under
 * {@code /containers} that Berth has no counterpart for (archive, that is {@code docker cp}, update, rename,
 * pause, unpause, prune) are left to the router, which answers 501 naming them. Engine errors keep their status; "no such container" reads as Docker's
 * {@code No such container: NAME}, which the docker client recognises. Thread-safe: handlers run on event
 * loops and share only the net client and the exec registry.
 */
final class ContainerApi implements DockerRoutes {
    /** How long a wait may last: containers run for days. */
    static final long WAIT_TIMEOUT_MS = TimeUnit.HOURS.toMillis(25);
    /** Creating mounts a root filesystem; removing deletes one. */
    static final long SLOW_TIMEOUT_MS = TimeUnit.MINUTES.toMillis(5);
    private static final long STOP_GRACE_MS = 30_000;
    private static final long MAX_STOP_SECONDS = 86_400;
    /** Create bodies carry seccomp profiles inline; 1 MiB is far above any real one. */
    private static final int MAX_BODY = 1024 * 1024;
    private static final Pattern SIGNAL = Pattern.compile("(SIG)?[A-Z][A-Z0-9+-]{0,15}|[0-9]{1,2}",
            Pattern.CASE_INSENSITIVE);
    private static final Set<String> LIST_FILTERS = Set.of("id", "name", "status", "exited", "label", "ancestor");
    private static final long STATS_INTERVAL_MS = 1000;
    /** The gap between the two samples of a {@code stream=false} answer, whose CPU share needs both. */
    private static final long STATS_PRECPU_MS = 500;

    private final EngineBus engine;
    private final NetClient net;
    private final ExecApi exec;
    /** The bridges of attached clients by container id, for resizes. */
    private final Map<String, Set<AttachBridge>> attached = new ConcurrentHashMap<>();

    ContainerApi(EngineBus engine) {
        this.engine = engine;
        this.net = engine.vertx().createNetClient();
        this.exec = new ExecApi(this, engine, net);
    }

    @Override
    public boolean handle(DockerRequest request) {
        List<String> m;
        if (request.match(HttpMethod.POST, "/containers/create") != null) {
            create(request);
        } else if (request.match(HttpMethod.GET, "/containers/json") != null) {
            list(request);
        } else if ((m = request.match(HttpMethod.GET, "/containers/{id}/json")) != null) {
            inspect(request, m.get(0));
        } else if ((m = request.match(HttpMethod.POST, "/containers/{id}/start")) != null) {
            refuseNonEmpty(request, "detachKeys", "checkpoint", "checkpoint-dir");
            start(request, m.get(0));
        } else if ((m = request.match(HttpMethod.POST, "/containers/{id}/stop")) != null) {
            stop(request, m.get(0), "stop");
        } else if ((m = request.match(HttpMethod.POST, "/containers/{id}/restart")) != null) {
            stop(request, m.get(0), "restart");
        } else if ((m = request.match(HttpMethod.POST, "/containers/{id}/kill")) != null) {
            String signal = request.query().string("signal", "KILL");
            if (!SIGNAL.matcher(signal).matches()) {
                throw DockerException.invalid("invalid signal: " + QueryParameters.shorten(signal));
            }
            simple(request, order("kill", m.get(0)).put("signal", signal), EngineBus.TIMEOUT_MS, m.get(0));
        } else if ((m = request.match(HttpMethod.POST, "/containers/{id}/wait")) != null) {
            new ContainerWait(this, request, m.get(0)).start();
        } else if ((m = request.match(HttpMethod.DELETE, "/containers/{id}")) != null) {
            if (request.query().bool("link")) {
                throw DockerException.invalid("Berth has no container links to remove (link=1)");
            }
            // v=1 removes anonymous volumes in Docker; a Berth container has none, so there is nothing to do.
            simple(request, order("remove", m.get(0)).put("force", request.query().bool("force")), SLOW_TIMEOUT_MS,
                    m.get(0));
        } else if ((m = request.match(HttpMethod.GET, "/containers/{id}/logs")) != null) {
            logs(request, m.get(0));
        } else if ((m = request.match(HttpMethod.GET, "/containers/{id}/top")) != null) {
            refuseNonEmpty(request, "ps_args");
            String id = m.get(0);
            ask(order("top", id)).onComplete(ar -> {
                if (ar.succeeded()) {
                    DockerReply.json(request.response(), 200, DockerContainerJson.top(ar.result()));
                } else {
                    fail(request, ar.cause(), id);
                }
            });
        } else if ((m = request.match(HttpMethod.GET, "/containers/{id}/stats")) != null) {
            stats(request, m.get(0));
        } else if ((m = request.match(HttpMethod.POST, "/containers/{id}/attach")) != null) {
            attach(request, m.get(0));
        } else if ((m = request.match(HttpMethod.POST, "/containers/{id}/resize")) != null) {
            resize(request, m.get(0));
        } else {
            return exec.handle(request);
        }
        return true;
    }

    // ---- create, list, inspect -------------------------------------------------------------------------

    private void create(DockerRequest request) {
        String platform = request.query().string("platform", "");
        if (!platform.isEmpty()) {
            throw DockerException.invalid("create: platform \"" + QueryParameters.shorten(platform)
                    + "\": Berth runs the image's own platform; leave --platform out");
        }
        String name = request.query().string("name");
        DockerCreateBody.name(name); // a bad name is refused before the body is read
        body(request).onComplete(ar -> {
            if (ar.failed()) {
                DockerReply.failure(request.response(), ar.cause());
                return;
            }
            JsonObject order;
            try {
                order = DockerCreateBody.order(ar.result(), name);
            } catch (DockerException e) {
                DockerReply.error(request.response(), e.status(), e.getMessage());
                return;
            }
            ask(order, SLOW_TIMEOUT_MS).onComplete(created -> {
                if (created.succeeded()) {
                    DockerReply.json(request.response(), 201, new JsonObject()
                            .put("Id", created.result().getString("id"))
                            .put("Warnings", created.result().getJsonArray("warnings", new JsonArray())));
                } else {
                    fail(request, created.cause(), order.getString("name"));
                }
            });
        });
    }

    private void list(DockerRequest request) {
        if (request.query().bool("size")) {
            throw DockerException.notImplemented("Berth does not implement container sizes (size=1, docker ps -s)");
        }
        DockerFilters filters = request.query().filters(LIST_FILTERS);
        boolean all = request.query().bool("all") || filters.has("status") || filters.has("exited");
        long limit = request.query().number("limit", -1, -1, Integer.MAX_VALUE);
        Future<Map<String, String>> imageIds = imageIds();
        ask(new JsonObject().put("op", "list").put("all", true)).onComplete(ar -> {
            if (ar.failed()) {
                fail(request, ar.cause(), null);
                return;
            }
            imageIds.onComplete(ids -> answerList(request, ar.result(), ids.result(), filters, all, limit));
        });
    }

    private static void answerList(DockerRequest request, JsonObject answer, Map<String, String> imageIds,
            DockerFilters filters, boolean all, long limit) {
        Instant now = Instant.now();
        List<JsonObject> chosen = new ArrayList<>();
        for (Object entry : answer.getJsonArray("containers", new JsonArray())) {
            if (entry instanceof JsonObject c && (all || "running".equals(c.getString("status")))) {
                JsonObject shown = withImageId(c, imageIds);
                if (matches(shown, filters)) {
                    chosen.add(shown);
                }
            }
        }
        chosen.sort(Comparator.comparing((JsonObject c) -> c.getString("created", "")).reversed());
        JsonArray out = new JsonArray();
        for (JsonObject c : chosen) {
            if (limit > 0 && out.size() >= limit) {
                break;
            }
            out.add(DockerContainerJson.listEntry(c, now));
        }
        DockerReply.json(request.response(), 200, out);
    }

    /**
     * Berth's images by manifest digest to their Docker image id (what {@code docker images} shows), so a
     * container's {@code ImageID} matches; empty when the engine does not answer.
     */
    private Future<Map<String, String>> imageIds() {
        return engine.ask(BusAddresses.ENGINE_IMAGES, new JsonObject()).map(answer -> {
            Map<String, String> ids = new java.util.HashMap<>();
            for (Object entry : answer.getJsonArray("images", new JsonArray())) {
                if (entry instanceof JsonObject image && image.getString("manifestDigest") != null
                        && image.getString("id") != null) {
                    ids.put(image.getString("manifestDigest"), image.getString("id"));
                }
            }
            return ids;
        }).otherwise(Map.of());
    }

    /** The summary with its image digest replaced by the image's Docker id, when known. */
    private static JsonObject withImageId(JsonObject c, Map<String, String> imageIds) {
        String id = imageIds.get(c.getString("imageDigest", ""));
        return id == null ? c : c.copy().put("imageDigest", id).put("manifestDigest", c.getString("imageDigest"));
    }

    /** Docker's list filters over Berth's summary; Berth containers carry no labels, so a label filter matches none. */
    static boolean matches(JsonObject c, DockerFilters filters) {
        String id = c.getString("id", "");
        String name = c.getString("name", "");
        if (filters.has("id") && filters.get("id").stream().noneMatch(id::startsWith)) {
            return false;
        }
        if (filters.has("name") && filters.get("name").stream().noneMatch(wanted -> nameMatches(name, wanted))) {
            return false;
        }
        if (!filters.accepts("status", DockerContainerJson.state(c.getString("status")))) {
            return false;
        }
        if (filters.has("exited") && (!"exited".equals(c.getString("status"))
                || !filters.accepts("exited", String.valueOf(c.getInteger("exitCode"))))) {
            return false;
        }
        if (filters.has("label")) {
            return false;
        }
        return filters.accepts("ancestor", c.getString("image"), c.getString("imageDigest"),
                c.getString("manifestDigest"), DockerNames.familiar(c.getString("image", "")));
    }

    /** Docker matches names as regular expressions against {@code /name}; a malformed one matches as text. */
    private static boolean nameMatches(String name, String wanted) {
        if (wanted.length() > 256) {
            return false;
        }
        try {
            return Pattern.compile(wanted).matcher("/" + name).find();
        } catch (PatternSyntaxException e) {
            return ("/" + name).contains(wanted);
        }
    }

    private void inspect(DockerRequest request, String id) {
        if (request.query().bool("size")) {
            throw DockerException.notImplemented("Berth does not implement container sizes (size=1)");
        }
        Future<Map<String, String>> imageIds = imageIds();
        ask(order("inspect", id)).compose(c -> spec(c).compose(spec -> imageIds.map(ids ->
                DockerContainerJson.inspect(withImageId(c, ids), spec))))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        DockerReply.json(request.response(), 200, ar.result());
                    } else {
                        fail(request, ar.cause(), id);
                    }
                });
    }

    /** The container's OCI config.json (for its environment and working directory), or null when unreadable. */
    private Future<JsonObject> spec(JsonObject c) {
        String bundle = c.getString("bundle");
        if (bundle == null || !bundle.startsWith("/")) {
            return Future.succeededFuture(null);
        }
        return engine.vertx().executeBlocking(() -> {
            try {
                return new JsonObject(Files.readString(Path.of(bundle, "config.json")));
            } catch (java.io.IOException | DecodeException e) {
                return null;
            }
        }, false);
    }

    // ---- start, stop, restart --------------------------------------------------------------------------

    /**
     * Starts the container. When the start fails, a container created with {@code AutoRemove} is removed, as
     * Docker does: {@code docker run --rm} waits for the removal after a failed start, so it would otherwise
     * wait for ever.
     */
    private void start(DockerRequest request, String id) {
        ask(order("start", id)).onComplete(ar -> {
            if (ar.succeeded()) {
                DockerReply.noContent(request.response());
                return;
            }
            ask(order("inspect", id)).compose(c -> c.getBoolean("autoRemove", false)
                    && !"running".equals(c.getString("status"))
                    ? ask(order("remove", c.getString("id")).put("force", true), SLOW_TIMEOUT_MS)
                    : Future.succeededFuture(c)).onComplete(v -> fail(request, ar.cause(), id));
        });
    }


    private void stop(DockerRequest request, String id, String op) {
        String signal = request.query().string("signal", "");
        if (!signal.isEmpty() && !Set.of("TERM", "SIGTERM", "15").contains(signal.toUpperCase(java.util.Locale.ROOT))) {
            throw DockerException.invalid(op + ": signal " + QueryParameters.shorten(signal)
                    + ": Berth stops with SIGTERM, then SIGKILL after the timeout");
        }
        // Docker's t=-1 waits for ever; Berth waits at most a day.
        long seconds = request.query().number("t", 10, -1, MAX_STOP_SECONDS);
        long timeout = seconds < 0 ? MAX_STOP_SECONDS : seconds;
        simple(request, order(op, id).put("timeout", timeout), TimeUnit.SECONDS.toMillis(timeout) + STOP_GRACE_MS, id);
    }

    /** Runs an op and answers 204, or the failure. */
    private void simple(DockerRequest request, JsonObject order, long timeoutMs, String asked) {
        ask(order, timeoutMs).onComplete(ar -> {
            if (ar.succeeded()) {
                DockerReply.noContent(request.response());
            } else {
                fail(request, ar.cause(), asked);
            }
        });
    }

    // ---- logs, stats -----------------------------------------------------------------------------------

    private void logs(DockerRequest request, String id) {
        QueryParameters q = request.query();
        boolean stdout = q.bool("stdout");
        boolean stderr = q.bool("stderr");
        if (!stdout && !stderr) {
            throw DockerException.invalid("Bad parameters: you must choose at least one stream");
        }
        if (q.bool("details")) {
            throw DockerException.notImplemented("Berth does not implement logs details (details=1: log attributes)");
        }
        Instant since = DockerTime.parse("since", sinceValue(q.string("since")));
        Instant until = DockerTime.parse("until", sinceValue(q.string("until")));
        String tailText = q.string("tail", "all");
        Integer tail = null;
        if (!tailText.equals("all")) {
            try {
                tail = Integer.parseInt(tailText);
            } catch (NumberFormatException e) {
                throw DockerException.invalid("invalid value for tail: \"" + QueryParameters.shorten(tailText) + "\"");
            }
            if (tail < 0) {
                tail = null; // Docker reads a negative tail as all
            }
        }
        Integer lines = tail;
        JsonObject order = order("logs", id);
        ask(order).onComplete(ar -> {
            if (ar.failed()) {
                fail(request, ar.cause(), id);
                return;
            }
            JsonObject answer = ar.result();
            String file = answer.getString("logPath");
            if (file == null || !file.startsWith("/")) {
                DockerReply.error(request.response(), 500, "logs " + id + ": the engine named no log file");
                return;
            }
            ContainerLogs.Options options = new ContainerLogs.Options(stdout, stderr, q.bool("follow"), since, until,
                    q.bool("timestamps"), lines, answer.getBoolean("tty", false));
            ContainerLogs.start(engine.vertx(), request.response(), Path.of(file), options,
                    answer.getBoolean("running", false),
                    () -> ask(order).map(a -> a.getBoolean("running", false)));
        });
    }

    /** Docker sends 0 for "no bound". */
    private static String sinceValue(String value) {
        return value == null || value.equals("0") ? null : value;
    }

    private void stats(DockerRequest request, String id) {
        boolean stream = !request.query().has("stream") || request.query().bool("stream");
        boolean oneShot = request.query().bool("one-shot");
        if (oneShot && stream) {
            throw DockerException.invalid("cannot have stream=true and one-shot=true");
        }
        HttpServerResponse response = request.response();
        sample(id, null).onComplete(first -> {
            if (first.failed()) {
                fail(request, first.cause(), id);
                return;
            }
            if (!stream) {
                if (oneShot) {
                    DockerReply.json(response, 200, first.result());
                    return;
                }
                engine.vertx().setTimer(STATS_PRECPU_MS, t -> sample(id, first.result()).onComplete(second -> {
                    if (second.succeeded()) {
                        DockerReply.json(response, 200, second.result());
                    } else {
                        fail(request, second.cause(), id);
                    }
                }));
                return;
            }
            response.setChunked(true).setStatusCode(200).putHeader("Content-Type", "application/json");
            response.write(first.result().encode() + "\n");
            streamStats(response, id, first.result());
        });
    }

    private void streamStats(HttpServerResponse response, String id, JsonObject previous) {
        engine.vertx().setTimer(STATS_INTERVAL_MS, t -> {
            if (response.closed() || response.ended()) {
                return;
            }
            sample(id, previous).onComplete(next -> {
                if (response.closed() || response.ended()) {
                    return;
                }
                if (next.failed()) {
                    response.end(); // the container stopped or went away
                    return;
                }
                response.write(next.result().encode() + "\n");
                streamStats(response, id, next.result());
            });
        });
    }

    private Future<JsonObject> sample(String id, JsonObject previous) {
        Future<Long> system = engine.vertx().executeBlocking(() -> DockerContainerJson.systemCpuNanos(
                Files.readString(Path.of("/proc/stat")), 100), false);
        return ask(new JsonObject().put("op", "stats").put("ids", new JsonArray().add(id))).compose(answer -> {
            JsonArray samples = answer.getJsonArray("containers", new JsonArray());
            if (samples.isEmpty()) {
                return Future.failedFuture(new DockerException(409, "Container " + id + " is not running"));
            }
            return system.otherwise(0L).map(nanos -> DockerContainerJson.stats(samples.getJsonObject(0), answer, nanos,
                    Instant.now(), previous));
        });
    }

    // ---- attach, resize --------------------------------------------------------------------------------

    private void attach(DockerRequest request, String id) {
        QueryParameters q = request.query();
        if (q.bool("logs")) {
            throw DockerException.notImplemented("Berth does not implement attach with logs=1; use GET /containers/"
                    + id + "/logs");
        }
        if (!HijackedStreams.upgrading(request.http())) {
            throw DockerException.invalid("attach: the request must upgrade the connection (Connection: Upgrade, "
                    + "Upgrade: tcp)");
        }
        boolean stream = q.bool("stream");
        ask(order("attach", id)).onComplete(ar -> {
            if (ar.failed()) {
                fail(request, ar.cause(), id);
                return;
            }
            JsonObject answer = ar.result();
            boolean tty = answer.getBoolean("tty", false);
            AttachBridge.Streams streams = new AttachBridge.Streams(q.bool("stdin") && answer.getBoolean("stdin", false),
                    q.bool("stdout"), q.bool("stderr"), tty);
            String containerId = answer.getString("id", id);
            bridge(request, answer.getString("socket"), streams, exit -> { }, stream).onSuccess(bridge -> {
                attached.computeIfAbsent(containerId, k -> ConcurrentHashMap.newKeySet()).add(bridge);
                bridge.closed().onComplete(v -> attached.computeIfPresent(containerId, (k, set) -> {
                    set.remove(bridge);
                    return set.isEmpty() ? null : set;
                }));
            });
        });
    }

    /**
     * Connects to the monitor socket {@code path}, then takes over the client's connection and joins the two;
     * completes with the bridge once joined. A monitor that cannot be reached is answered 500 before the
     * upgrade. Without {@code stream} the upgraded connection is closed at once (nothing was asked for).
     */
    Future<AttachBridge> bridge(DockerRequest request, String path, AttachBridge.Streams streams,
            java.util.function.Consumer<JsonObject> onExit, boolean stream) {
        if (path == null || !path.startsWith("/")) {
            DockerReply.error(request.response(), 500, request.describe() + ": the engine named no attach socket");
            return Future.failedFuture("no socket");
        }
        Promise<AttachBridge> joined = Promise.promise();
        AttachBridge.connect(net, path, streams, onExit).onComplete(connected -> {
            if (connected.failed()) {
                DockerReply.error(request.response(), 500, request.describe() + ": connect to the monitor's attach "
                        + "socket " + path + ": " + connected.cause().getMessage());
                joined.fail(connected.cause());
                return;
            }
            AttachBridge bridge = connected.result();
            HijackedStreams.upgrade(request.http(), streams.tty() ? HijackedStreams.RAW : HijackedStreams.MULTIPLEXED)
                    .onComplete(upgraded -> {
                        if (upgraded.failed()) {
                            bridge.abandon();
                            DockerReply.error(request.response(), 500, request.describe() + ": " + upgraded.cause()
                                    .getMessage());
                            joined.fail(upgraded.cause());
                            return;
                        }
                        if (!stream) {
                            upgraded.result().socket().close();
                            bridge.abandon();
                        } else {
                            bridge.join(upgraded.result());
                        }
                        joined.complete(bridge);
                    });
        });
        return joined.future();
    }

    /**
     * {@code POST /containers/{id}/resize?h=&w=}: sent to the container's monitor as a RESIZE frame, which it
     * applies to the container's terminal (a container without one ignores it, as Docker does): through an
     * attached client's connection when there is one, else over a connection of its own.
     */
    private void resize(DockerRequest request, String id) {
        int rows = (int) request.query().number("h", 0, 0, 65535);
        int columns = (int) request.query().number("w", 0, 0, 65535);
        ask(order("inspect", id)).onComplete(found -> {
            if (found.failed()) {
                fail(request, found.cause(), id);
                return;
            }
            if (!"running".equals(found.result().getString("status"))) {
                DockerReply.error(request.response(), 409, "Container " + id + " is not running");
                return;
            }
            Set<AttachBridge> bridges = attached.get(found.result().getString("id", ""));
            AttachBridge bridge = bridges == null ? null : bridges.stream().findFirst().orElse(null);
            if (bridge != null) {
                bridge.resize(rows, columns); // through a client's own connection to the monitor
                request.response().setStatusCode(200).end();
            } else {
                sendResize(request, order("attach", id), rows, columns, id);
            }
        });
    }

    /** Asks {@code attachOrder} for a monitor socket, connects, sends one RESIZE frame and disconnects. */
    void sendResize(DockerRequest request, JsonObject attachOrder, int rows, int columns, String asked) {
        ask(attachOrder).compose(answer -> net.connect(io.vertx.core.net.SocketAddress
                .domainSocketAddress(answer.getString("socket", ""))))
                .compose(socket -> socket.write(MonitorFrames.resize(rows, columns)).eventually(() -> socket.close()))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        request.response().setStatusCode(200).end();
                    } else {
                        fail(request, ar.cause(), asked);
                    }
                });
    }

    // ---- shared helpers --------------------------------------------------------------------------------

    Future<JsonObject> ask(JsonObject order) {
        return ask(order, EngineBus.TIMEOUT_MS);
    }

    Future<JsonObject> ask(JsonObject order, long timeoutMs) {
        return engine.ask(BusAddresses.ENGINE_CONTAINERS, order, timeoutMs);
    }

    static JsonObject order(String op, String id) {
        return new JsonObject().put("op", op).put("id", id);
    }

    /**
     * Answers a failure in Docker's words where the client reads them: Berth's "no such container" and "no
     * such image" become Docker's {@code No such container: NAME} and {@code No such image: REF}; other
     * messages and every status are kept.
     */
    static void fail(DockerRequest request, Throwable cause, String asked) {
        int status = DockerReply.status(cause);
        DockerReply.error(request.response(), status, dockerMessage(status, DockerReply.message(cause), asked));
    }

    static String dockerMessage(int status, String message, String asked) {
        if (status == 404 && message.startsWith("no such container")) {
            return "No such container: " + (asked == null ? message.substring("no such container".length())
                    .replaceFirst("^:\\s*", "") : asked);
        }
        if (status == 404 && message.startsWith("no such image: ")) {
            String rest = message.substring("no such image: ".length());
            int space = rest.indexOf(' ');
            return "No such image: " + (space < 0 ? rest : rest.substring(0, space));
        }
        return message;
    }

    /** A refused query parameter when it holds anything. */
    private static void refuseNonEmpty(DockerRequest request, String... names) {
        for (String name : names) {
            String value = request.query().string(name, "");
            if (!value.isEmpty()) {
                throw DockerException.invalid(request.describe() + ": Berth cannot honour " + name + "="
                        + QueryParameters.shorten(value));
            }
        }
    }

    /**
     * The request's JSON object body, at most {@link #MAX_BODY} bytes; an empty body, or {@code null} (what
     * Docker's Go client sends for a nil config), is an empty object.
     */
    static Future<JsonObject> body(DockerRequest request) {
        Promise<JsonObject> promise = Promise.promise();
        Buffer body = Buffer.buffer();
        boolean[] failed = {false};
        request.http().handler(chunk -> {
            if (failed[0]) {
                return;
            }
            if (body.length() + chunk.length() > MAX_BODY) {
                failed[0] = true;
                request.response().putHeader("Connection", "close");
                promise.tryFail(new DockerException(413, request.describe() + ": request body larger than "
                        + MAX_BODY + " bytes"));
                return;
            }
            body.appendBuffer(chunk);
        });
        request.http().exceptionHandler(promise::tryFail);
        request.http().endHandler(v -> {
            if (failed[0]) {
                return;
            }
            if (body.length() == 0 || body.toString().isBlank() || body.toString().strip().equals("null")) {
                promise.tryComplete(new JsonObject());
                return;
            }
            try {
                promise.tryComplete(new JsonObject(body.toString()));
            } catch (DecodeException | ClassCastException e) {
                promise.tryFail(DockerException.invalid(request.describe() + ": the body is not a JSON object"));
            }
        });
        return promise.future();
    }

    /** For {@link ContainerWait}: the engine's events of one type, as parsed envelopes. */
    MessageConsumer<String> events(String type, java.util.function.Consumer<JsonObject> handler) {
        return engine.vertx().eventBus().<String>consumer(BusAddresses.eventAddress(type), m -> {
            try {
                handler.accept(new JsonObject(m.body()));
            } catch (DecodeException | ClassCastException e) {
                // not an envelope: nothing to learn from it
            }
        });
    }
}
