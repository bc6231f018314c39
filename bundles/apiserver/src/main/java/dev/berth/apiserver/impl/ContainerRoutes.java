package dev.berth.apiserver.impl;

import dev.berth.api.ErrorKind;
import dev.berth.api.bus.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The container and runtime endpoints: each maps one HTTP request to one {@code {"op": ...}} request on
 * {@link BusAddresses#ENGINE_CONTAINERS}, except {@code logs}, whose file this server streams itself
 * ({@link LogStream}). Query parameters and bodies are checked before anything is sent; an unknown
 * parameter is a 400 naming it. Thread-safe: handlers run on Vert.x event loops.
 */
final class ContainerRoutes {
    /** How long {@code wait} may block: a container may run for days, the bus's normal 30 s is far too short. */
    static final long WAIT_TIMEOUT_MS = TimeUnit.HOURS.toMillis(25);
    /** Creating copies or mounts a root filesystem and removing deletes one: both may take minutes. */
    static final long SLOW_TIMEOUT_MS = TimeUnit.MINUTES.toMillis(5);
    private static final long STOP_GRACE_MS = 30_000;
    private static final long DEFAULT_STOP_SECONDS = 10;
    private static final long MAX_STOP_SECONDS = 86_400;

    private final Vertx vertx;
    private final ApiServer server;

    ContainerRoutes(Vertx vertx, ApiServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    /** Handles every path under {@code /v1/containers}. */
    void handle(HttpServerRequest request) {
        ContainerPath path = ContainerPath.parse(request.path());
        if (path.id() == null) {
            if (request.method().equals(HttpMethod.POST)) {
                parameters(request);
                server.withBody(request, "create", ContainerBodies.CREATE_FIELDS,
                        body -> server.ask(request, BusAddresses.ENGINE_CONTAINERS, ContainerBodies.create(body).encode(),
                                201, SLOW_TIMEOUT_MS));
            } else {
                server.only(request, HttpMethod.GET, () -> {
                    parameters(request, "all", "ns");
                    ask(request, order("list").put("all", ApiServer.flag(request, "all"))
                            .put("ns", ApiServer.flag(request, "ns")), 200);
                });
            }
            return;
        }
        String id = path.id();
        switch (path.action()) {
            case "" -> {
                if (request.method().equals(HttpMethod.DELETE)) {
                    parameters(request, "force");
                    server.ask(request, BusAddresses.ENGINE_CONTAINERS, order("remove", id)
                            .put("force", ApiServer.flag(request, "force")).encode(), 200, SLOW_TIMEOUT_MS);
                } else {
                    server.only(request, HttpMethod.GET, () -> {
                        parameters(request);
                        ask(request, order("inspect", id), 200);
                    });
                }
            }
            case "start", "attach" -> post(request, () -> ask(request, order(path.action(), id), 200));
            case "stop", "restart" -> post(request, () -> {
                long seconds = ApiServer.seconds(request, "t", DEFAULT_STOP_SECONDS);
                if (seconds > MAX_STOP_SECONDS) {
                    throw new IllegalArgumentException("t: " + seconds + " seconds is more than a day ("
                            + MAX_STOP_SECONDS + ")");
                }
                server.ask(request, BusAddresses.ENGINE_CONTAINERS, order(path.action(), id)
                        .put("timeout", seconds).encode(), 200, TimeUnit.SECONDS.toMillis(seconds) + STOP_GRACE_MS);
            }, "t");
            case "kill" -> post(request, () -> {
                String signal = ApiServer.single(request, "signal");
                ask(request, order("kill", id).put("signal", ContainerBodies.signal(signal == null ? "KILL" : signal)),
                        200);
            }, "signal");
            case "wait" -> post(request, () -> server.ask(request, BusAddresses.ENGINE_CONTAINERS,
                    order("wait", id).encode(), 200, WAIT_TIMEOUT_MS));
            case "exec" -> post(request, () -> server.withBody(request, "exec", ContainerBodies.EXEC_FIELDS,
                    body -> ask(request, ContainerBodies.exec(id, body), 201)));
            case "top" -> server.only(request, HttpMethod.GET, () -> {
                parameters(request);
                ask(request, order("top", id), 200);
            });
            case "logs" -> server.only(request, HttpMethod.GET, () -> logs(request, id));
            case "caps" -> server.only(request, HttpMethod.GET, () -> {
                parameters(request);
                ask(request, order("caps", id), 200);
            });
            case "changes" -> server.only(request, HttpMethod.GET, () -> {
                parameters(request);
                server.ask(request, BusAddresses.ENGINE_CONTAINERS, order("changes", id).encode(), 200,
                        SLOW_TIMEOUT_MS);
            });
            case "commit" -> post(request, () -> server.withBody(request, "commit", COMMIT_FIELDS,
                    body -> server.stream(request, BusAddresses.ENGINE_CONTAINERS, order("commit", id)
                            .put("reference", ApiServer.string(body, "reference", false))
                            .put("comment", text(body, "comment")).put("author", text(body, "author"))
                            .put("changes", ApiServer.strings(body, "changes"))
                            .put("pause", flag(body, "pause")))));
            case "export" -> post(request, () -> server.withBody(request, "export", Set.of("target"),
                    body -> server.ask(request, BusAddresses.ENGINE_CONTAINERS, order("export", id)
                            .put("target", ApiServer.absolutePath(body, "target")).encode(), 200, EXPORT_TIMEOUT_MS)));
            default -> ApiServer.error(request.response(), ErrorKind.NOT_FOUND,
                    "no such endpoint: " + request.method() + " " + request.path());
        }
    }

    /** The fields of {@code POST /v1/containers/ID/commit}. */
    private static final Set<String> COMMIT_FIELDS = Set.of("reference", "comment", "author", "changes", "pause");
    /** How long an export may take: the whole filesystem is written. */
    private static final long EXPORT_TIMEOUT_MS = TimeUnit.MINUTES.toMillis(30);

    /** An optional text field: empty when absent, a wrong type is an {@link IllegalArgumentException}. */
    static String text(io.vertx.core.json.JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value != null && !(value instanceof String)) {
            throw new IllegalArgumentException("field \"" + field + "\" must be a string");
        }
        return value == null ? "" : (String) value;
    }

    /** An optional true/false field: false when absent, a wrong type is an {@link IllegalArgumentException}. */
    static boolean flag(io.vertx.core.json.JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value != null && !(value instanceof Boolean)) {
            throw new IllegalArgumentException("field \"" + field + "\" must be true or false");
        }
        return Boolean.TRUE.equals(value);
    }

    /** {@code GET /v1/stats?id=A&id=B}: one resource sample per container (every running one without ids). */
    void stats(HttpServerRequest request) {
        parameters(request, "id");
        List<String> ids = request.params().getAll("id");
        if (ids.size() > 256) {
            throw new IllegalArgumentException("id: at most 256 containers per request, got " + ids.size());
        }
        ask(request, order("stats").put("ids", new io.vertx.core.json.JsonArray(ids)), 200);
    }

    /** {@code GET /v1/runtimes}. */
    void runtimes(HttpServerRequest request) {
        parameters(request);
        ask(request, order("runtimes"), 200);
    }

    /** {@code POST /v1/runtimes/default} with {@code {"name"}}. */
    void defaultRuntime(HttpServerRequest request) {
        parameters(request);
        server.withBody(request, "set default runtime", Set.of("name"),
                body -> ask(request, order("runtime.default").put("name", ContainerBodies.runtime(body)), 200));
    }

    private void post(HttpServerRequest request, Runnable handler, String... allowed) {
        server.only(request, HttpMethod.POST, () -> {
            parameters(request, allowed);
            handler.run();
        });
    }

    /**
     * {@code GET .../logs?follow=1&since=T&tail=N}: asks the engine for the log file and whether the
     * container runs, then streams the file.
     */
    private void logs(HttpServerRequest request, String id) {
        parameters(request, "follow", "since", "tail");
        boolean follow = ApiServer.flag(request, "follow");
        String sinceText = ApiServer.single(request, "since");
        Instant since = sinceText == null ? null : TimeArgument.parse("since", sinceText, Instant.now());
        Integer tail = tail(ApiServer.single(request, "tail"));
        String order = order("logs", id).encode();
        vertx.eventBus().<String>request(BusAddresses.ENGINE_CONTAINERS, order,
                new DeliveryOptions().setSendTimeout(30_000)).onComplete(ar -> {
                    if (ar.failed()) {
                        failed(request, ar.cause());
                        return;
                    }
                    JsonObject answer = new JsonObject(ar.result().body());
                    String file = answer.getString("logPath");
                    if (file == null || !file.startsWith("/")) {
                        ApiServer.error(request.response(), ErrorKind.INTERNAL,
                                "logs " + id + ": the engine named no absolute log path: " + file);
                        return;
                    }
                    LogStream.start(vertx, request.response(), Path.of(file), since, follow, tail,
                            Boolean.TRUE.equals(answer.getBoolean("running")), () -> running(order));
                });
    }

    /** Whether the engine says the container still runs; a failed answer (e.g. removed) fails. */
    private Future<Boolean> running(String order) {
        return vertx.eventBus().<String>request(BusAddresses.ENGINE_CONTAINERS, order,
                new DeliveryOptions().setSendTimeout(30_000))
                .map(message -> Boolean.TRUE.equals(new JsonObject(message.body()).getBoolean("running")));
    }

    private static Integer tail(String value) {
        if (value == null || value.equals("all")) {
            return null;
        }
        try {
            int count = Integer.parseInt(value);
            if (count >= 0) {
                return count;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("tail: \"" + value + "\" is not a number of lines or \"all\"");
    }

    private static void failed(HttpServerRequest request, Throwable cause) {
        if (cause instanceof ReplyException reply && reply.failureCode() >= 400) {
            ApiServer.send(request.response(), reply.failureCode(),
                    ApiServer.error(reply.getMessage(), ApiServer.kindOf(reply.failureCode())));
        } else {
            ApiServer.error(request.response(), ErrorKind.UNAVAILABLE, "the engine did not answer "
                    + BusAddresses.ENGINE_CONTAINERS + ": " + cause.getMessage());
        }
    }

    private void ask(HttpServerRequest request, JsonObject order, int status) {
        server.ask(request, BusAddresses.ENGINE_CONTAINERS, order.encode(), status);
    }

    /** Refuses query parameters other than {@code allowed}. */
    private static void parameters(HttpServerRequest request, String... allowed) {
        Set<String> known = Set.of(allowed);
        for (String name : request.params().names()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown parameter \"" + name + "\""
                        + (allowed.length == 0 ? "; " + request.path() + " takes none"
                                : "; known: " + String.join(", ", new java.util.TreeSet<>(known))));
            }
        }
    }

    private static JsonObject order(String op) {
        return new JsonObject().put("op", op);
    }

    private static JsonObject order(String op, String id) {
        return order(op).put("id", id);
    }
}
