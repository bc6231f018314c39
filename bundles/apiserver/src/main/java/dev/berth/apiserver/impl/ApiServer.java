package dev.berth.apiserver.impl;

import dev.berth.api.ErrorKind;
import dev.berth.api.bus.BusAddresses;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EnvelopeFormat;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import dev.berth.apiserver.access.MalformedRequest;
import dev.berth.apiserver.access.SocketAccess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Berth's own HTTP + JSON API, served by Vert.x on a Unix domain socket (mode 0660) and, only when
 * configured, on TCP. Reads history straight from the event log and asks the engine over the bus for
 * everything else. Every error is {@code {"message": ..., "kind": ...}} with a 4xx/5xx status, and a
 * rejected request changes nothing. Thread-safe: handlers run on Vert.x event loops.
 */
public final class ApiServer {
    /** The API version this server speaks, in {@code /v1/...} paths. */
    public static final String API_VERSION = "1";
    /** The largest request body accepted, in bytes. */
    public static final int MAX_BODY = 64 * 1024;
    /** The longest note message accepted, in characters. */
    public static final int MAX_NOTE = 4096;
    private static final Set<String> EVENT_PARAMETERS = Set.of("since", "until", "type", "subject", "follow", "from");
    private static final long BUS_TIMEOUT_MS = 30_000;
    /**
     * For slow requests: plugin changes wait for calls under way to drain and for the framework to settle;
     * a log verification reads every record.
     */
    private static final long SLOW_TIMEOUT_MS = 300_000;

    private final Vertx vertx;
    private final EventLog log;
    private final String berthVersion;
    private final List<HttpServer> servers = new ArrayList<>();
    private final ContainerRoutes containers;

    public ApiServer(Vertx vertx, EventLog log, String berthVersion) {
        this.vertx = vertx;
        this.log = log;
        this.berthVersion = berthVersion;
        this.containers = new ContainerRoutes(vertx, this);
    }

    /** The PEM files of the TCP listener: certificate, PKCS#8 private key, and the CA of accepted clients. */
    public record Tls(Path cert, Path key, Path clientCa) {
    }

    /**
     * Listens on the Unix socket {@code socket} (replacing a stale socket file; mode 0660, group
     * {@value SocketAccess#GROUP} when that group exists) and, if {@code tcp} is not null, on {@code host:port}
     * with TLS, accepting only clients with a certificate signed by {@code tls}'s CA; TCP without
     * {@code tls} is refused. Returns the endpoint URIs.
     */
    public List<String> start(Path socket, String tcp, Tls tls) throws IOException {
        List<String> endpoints = new ArrayList<>();
        Files.createDirectories(socket.getParent());
        Files.deleteIfExists(socket);
        HttpServer unix = listen(SocketAddress.domainSocketAddress(socket.toString()), "unix://" + socket,
                new HttpServerOptions());
        SocketAccess.restrict(socket);
        servers.add(unix);
        endpoints.add("unix://" + socket);
        if (tcp != null && !tcp.isBlank()) {
            if (tls == null) {
                throw new IOException("listen on TCP " + tcp + ": TCP is served only with TLS and client "
                        + "certificates (a certificate, its key and the CA of the clients allowed), as the API is "
                        + "root on this machine");
            }
            int colon = tcp.lastIndexOf(':');
            if (colon < 1) {
                throw new IOException("listen on TCP: \"" + tcp + "\" is not host:port");
            }
            int port;
            try {
                port = Integer.parseInt(tcp.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IOException("listen on TCP: \"" + tcp + "\" has no numeric port", e);
            }
            for (Path file : List.of(tls.cert(), tls.key(), tls.clientCa())) {
                if (!Files.isReadable(file)) {
                    throw new IOException("listen on TCP " + tcp + ": cannot read the TLS file " + file);
                }
            }
            HttpServerOptions options = new HttpServerOptions().setSsl(true)
                    .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.cert().toString())
                            .setKeyPath(tls.key().toString()))
                    .setTrustOptions(new PemTrustOptions().addCertPath(tls.clientCa().toString()))
                    .setClientAuth(ClientAuth.REQUIRED);
            servers.add(listen(SocketAddress.inetSocketAddress(port, tcp.substring(0, colon)), "tcp://" + tcp, options));
            endpoints.add("tcp://" + tcp + " (TLS, client certificates required)");
        }
        return endpoints;
    }

    private HttpServer listen(SocketAddress address, String name, HttpServerOptions options) throws IOException {
        HttpServer server = vertx.createHttpServer(options.setMaxInitialLineLength(8192).setMaxHeaderSize(16384));
        server.requestHandler(this::handle);
        server.invalidRequestHandler(ApiServer::invalidRequest);
        try {
            return server.listen(address).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IOException("listen on " + name + ": " + cause.getMessage(), cause);
        }
    }

    /** Answers a request the HTTP decoder could not read with the JSON error every other refusal has, and closes. */
    static void invalidRequest(HttpServerRequest request) {
        MalformedRequest malformed = MalformedRequest.of(request);
        send(request.response().putHeader("Connection", "close"), malformed.status(),
                error(malformed.reason(), "invalid"));
    }

    /** Stops listening. */
    public void stop() {
        for (HttpServer server : servers) {
            try {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // closing anyway; nothing to keep
            }
        }
        servers.clear();
    }

    void handle(HttpServerRequest request) {
        String path = request.path();
        HttpMethod method = request.method();
        try {
            switch (path) {
                case "/_ping" -> only(request, HttpMethod.GET, () -> request.response()
                        .putHeader("Content-Type", "text/plain").end("OK"));
                case "/v1/version" -> only(request, HttpMethod.GET, () -> json(request.response(), 200, version()));
                case "/v1/info" -> only(request, HttpMethod.GET, () -> ask(request, BusAddresses.ENGINE_INFO, "{}", 200));
                case "/v1/plugins" -> only(request, HttpMethod.GET,
                        () -> ask(request, BusAddresses.ENGINE_PLUGINS, "{}", 200));
                case "/v1/events" -> only(request, HttpMethod.GET, () -> events(request));
                case "/v1/notes" -> only(request, HttpMethod.POST, () -> note(request));
                case "/v1/audit/verify" -> only(request, HttpMethod.GET, () -> ask(request,
                        BusAddresses.ENGINE_AUDIT_VERIFY, new JsonObject().put("from", sequence(request, "from", 1))
                                .encode(), 200, SLOW_TIMEOUT_MS));
                case "/v1/history" -> only(request, HttpMethod.GET, () -> ask(request, BusAddresses.ENGINE_AUDIT,
                        new JsonObject().put("op", "history").put("target", required(request, "target"))
                                .put("payload", single(request, "payload") == null || flag(request, "payload")).encode(), 200,
                        SLOW_TIMEOUT_MS));
                case "/v1/audit/at" -> only(request, HttpMethod.GET, () -> ask(request, BusAddresses.ENGINE_AUDIT,
                        point(request, "at", new JsonObject().put("op", "at").put("what", required(request, "what"))
                                .put("all", flag(request, "all")).put("id", single(request, "id")), true).encode(),
                        200, SLOW_TIMEOUT_MS));
                case "/v1/audit/replay" -> only(request, HttpMethod.POST, () -> ask(request, BusAddresses.ENGINE_AUDIT,
                        new JsonObject().put("op", "replay").encode(), 200, SLOW_TIMEOUT_MS));
                case "/v1/audit/export" -> only(request, HttpMethod.POST, () -> {
                    JsonObject body = new JsonObject().put("op", "export").put("file", required(request, "file"));
                    point(request, "since", body, false);
                    point(request, "until", body, false);
                    ask(request, BusAddresses.ENGINE_AUDIT, body.encode(), 200, SLOW_TIMEOUT_MS);
                });
                case "/v1/audit/archive" -> only(request, HttpMethod.POST, () -> ask(request, BusAddresses.ENGINE_AUDIT,
                        point(request, "before", new JsonObject().put("op", "archive"), true).encode(), 200,
                        SLOW_TIMEOUT_MS));
                case "/v1/images" -> {
                    if (request.method().equals(HttpMethod.DELETE)) {
                        ask(request, BusAddresses.ENGINE_IMAGE_REMOVE, new JsonObject()
                                .put("reference", required(request, "reference"))
                                .put("force", flag(request, "force")).encode(), 200);
                    } else {
                        only(request, HttpMethod.GET, () -> ask(request, BusAddresses.ENGINE_IMAGES, "{}", 200));
                    }
                }
                case "/v1/images/tag" -> only(request, HttpMethod.POST, () -> withBody(request, "tag",
                        Set.of("source", "target"), body -> ask(request, BusAddresses.ENGINE_IMAGE_TAG,
                                new JsonObject().put("source", string(body, "source", true))
                                        .put("target", string(body, "target", true)).encode(), 201)));
                case "/v1/auth" -> only(request, HttpMethod.POST, () -> withBody(request, "login",
                        Set.of("registry", "username", "password"), body -> ask(request, BusAddresses.ENGINE_LOGIN,
                                new JsonObject().put("registry", string(body, "registry", true))
                                        .put("username", string(body, "username", true))
                                        .put("password", string(body, "password", true)).encode(), 200)));
                case "/v1/images/prune" -> only(request, HttpMethod.POST,
                        () -> ask(request, BusAddresses.ENGINE_IMAGE_PRUNE, new JsonObject()
                                .put("graceSeconds", seconds(request, "grace", 600)).encode(), 200));
                case "/v1/images/load" -> only(request, HttpMethod.POST, () -> withBody(request, "load",
                        Set.of("archive"), body -> stream(request, BusAddresses.ENGINE_LOAD,
                                new JsonObject().put("archive", absolutePath(body, "archive")))));
                case "/v1/images/save" -> only(request, HttpMethod.POST, () -> withBody(request, "save",
                        Set.of("references", "target", "format"), body -> {
                            Object references = body.getValue("references");
                            if (!(references instanceof io.vertx.core.json.JsonArray list) || list.isEmpty()
                                    || !list.stream().allMatch(String.class::isInstance)) {
                                throw new IllegalArgumentException("field \"references\" must be a non-empty list of image names");
                            }
                            String format = string(body, "format", false);
                            stream(request, BusAddresses.ENGINE_SAVE, new JsonObject().put("references", references)
                                    .put("target", absolutePath(body, "target"))
                                    .put("format", format == null ? "docker" : format));
                        }));
                case "/v1/images/inspect" -> only(request, HttpMethod.GET, () -> ask(request,
                        BusAddresses.ENGINE_IMAGE_INSPECT, new JsonObject().put("reference",
                                required(request, "reference")).encode(), 200));
                case "/v1/images/pull" -> only(request, HttpMethod.POST, () -> pull(request));
                case "/v1/images/push" -> only(request, HttpMethod.POST, () -> withBody(request, "push",
                        Set.of("reference", "insecure"), body -> stream(request, BusAddresses.ENGINE_PUSH,
                                new JsonObject().put("reference", dev.berth.api.image.ImageReference.parse(
                                        string(body, "reference", true)).toString())
                                        .put("insecure", strings(body, "insecure")))));
                case "/v1/images/import" -> only(request, HttpMethod.POST, () -> withBody(request, "import",
                        Set.of("file", "source", "reference", "changes", "message", "platform"),
                        body -> stream(request, BusAddresses.ENGINE_IMPORT, new JsonObject()
                                .put("file", absolutePath(body, "file")).put("source", string(body, "source", false))
                                .put("reference", string(body, "reference", false))
                                .put("changes", strings(body, "changes"))
                                .put("message", ContainerRoutes.text(body, "message"))
                                .put("platform", string(body, "platform", false)))));
                case "/v1/runtimes" -> only(request, HttpMethod.GET, () -> containers.runtimes(request));
                case "/v1/stats" -> only(request, HttpMethod.GET, () -> containers.stats(request));
                case "/v1/runtimes/default" -> only(request, HttpMethod.POST, () -> containers.defaultRuntime(request));
                default -> {
                    if (path.startsWith("/v1/plugins/")) {
                        only(request, HttpMethod.POST, () -> plugin(request, path.substring("/v1/plugins/".length())));
                    } else if (path.equals("/v1/containers") || path.startsWith("/v1/containers/")) {
                        containers.handle(request);
                    } else {
                        error(request.response(), ErrorKind.NOT_FOUND, "no such endpoint: " + method + " " + path);
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            error(request.response(), ErrorKind.INVALID, e.getMessage());
        }
    }

    void only(HttpServerRequest request, HttpMethod method, Runnable handler) {
        if (!request.method().equals(method)) {
            request.response().putHeader("Allow", method.name());
            send(request.response(), 405, error("method " + request.method() + " is not allowed on " + request.path()
                    + "; use " + method, "invalid"));
            return;
        }
        handler.run();
    }

    private JsonObject version() {
        return new JsonObject().put("version", berthVersion).put("apiVersion", API_VERSION)
                .put("java", System.getProperty("java.version")).put("os", System.getProperty("os.name"))
                .put("arch", System.getProperty("os.arch")).put("kernel", System.getProperty("os.version"));
    }

    void ask(HttpServerRequest request, String address, String body, int status) {
        ask(request, address, body, status, BUS_TIMEOUT_MS);
    }

    /** Sends {@code body} to {@code address} and answers with the reply or the failure it was failed with. */
    void ask(HttpServerRequest request, String address, String body, int status, long timeoutMillis) {
        vertx.eventBus().<String>request(address, body,
                new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(timeoutMillis))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        request.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                                .end(ar.result().body());
                    } else if (ar.cause() instanceof ReplyException reply && reply.failureCode() >= 400) {
                        send(request.response(), reply.failureCode(),
                                error(reply.getMessage(), kindOf(reply.failureCode())));
                    } else {
                        error(request.response(), ErrorKind.UNAVAILABLE,
                                "the engine did not answer " + address + ": " + ar.cause().getMessage());
                    }
                });
    }

    private void events(HttpServerRequest request) {
        for (String name : request.params().names()) {
            if (!EVENT_PARAMETERS.contains(name)) {
                throw new IllegalArgumentException("unknown parameter \"" + name + "\"; known: "
                        + String.join(", ", EVENT_PARAMETERS.stream().sorted().toList()));
            }
        }
        Instant now = Instant.now();
        Instant since = single(request, "since") == null ? null : TimeArgument.parse("since", single(request, "since"), now);
        Instant until = single(request, "until") == null ? null : TimeArgument.parse("until", single(request, "until"), now);
        if (since != null && until != null && until.isBefore(since)) {
            throw new IllegalArgumentException("until (" + until + ") is before since (" + since + ")");
        }
        boolean follow = flag(request, "follow");
        long from = 1;
        String fromText = single(request, "from");
        if (fromText != null) {
            try {
                from = Long.parseLong(fromText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("from: \"" + fromText + "\" is not a sequence number");
            }
            if (from < 1) {
                throw new IllegalArgumentException("from: sequence numbers start at 1, got " + from);
            }
        }
        List<String> types = request.params().getAll("type");
        for (String type : types) {
            if (!type.matches("[a-z0-9.*-]{1,128}")) {
                throw new IllegalArgumentException("type: \"" + type + "\" is not an event type like container.started or plugin.*");
            }
        }
        EventFilter filter = new EventFilter(types, request.params().getAll("subject"), since, until);
        EventStream.start(vertx, log, request.response(), filter, follow, from);
    }

    private static String required(HttpServerRequest request, String name) {
        String value = single(request, name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("parameter \"" + name + "\" is required");
        }
        return value;
    }

    /**
     * Reads a JSON object body of at most {@link #MAX_BODY} bytes with only {@code fields}, then hands it
     * to {@code handler}; a malformed body or an {@link IllegalArgumentException} from the handler is a
     * 400 naming the action and the problem.
     */
    void withBody(HttpServerRequest request, String action, Set<String> fields,
            java.util.function.Consumer<JsonObject> handler) {
        readBody(request).onSuccess(body -> {
            JsonObject json;
            try {
                json = new JsonObject(body.toString());
            } catch (DecodeException | ClassCastException e) {
                error(request.response(), ErrorKind.INVALID, action + ": request body is not a JSON object: "
                        + firstLine(e.getMessage()));
                return;
            }
            for (String field : json.fieldNames()) {
                if (!fields.contains(field)) {
                    error(request.response(), ErrorKind.INVALID, action + ": unknown field \"" + field + "\"; known: "
                            + String.join(", ", fields.stream().sorted().toList()));
                    return;
                }
            }
            try {
                handler.accept(json);
            } catch (IllegalArgumentException e) {
                error(request.response(), ErrorKind.INVALID, action + ": " + e.getMessage());
            }
        });
    }

    /** A string field; a wrong type, or a missing required one, is an {@link IllegalArgumentException}. */
    static String string(JsonObject body, String field, boolean required) {
        Object value = body.getValue(field);
        if (value == null && !required) {
            return null;
        }
        if (!(value instanceof String text) || text.isBlank()) {
            throw new IllegalArgumentException("field \"" + field + "\" must be a non-empty string");
        }
        return text;
    }

    /** A list-of-strings field, empty when absent; anything else is an {@link IllegalArgumentException}. */
    static io.vertx.core.json.JsonArray strings(JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value == null) {
            return new io.vertx.core.json.JsonArray();
        }
        if (!(value instanceof io.vertx.core.json.JsonArray list) || !list.stream().allMatch(String.class::isInstance)) {
            throw new IllegalArgumentException("field \"" + field + "\" must be a list of strings");
        }
        return list;
    }

    /** A sequence number query parameter (from 1), or {@code fallback} when absent. */
    static long sequence(HttpServerRequest request, String name, long fallback) {
        String value = single(request, name);
        if (value == null) {
            return fallback;
        }
        try {
            long sequence = Long.parseLong(value);
            if (sequence >= 1) {
                return sequence;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + ": \"" + value + "\" is not a sequence number (1 or more)");
    }

    static long seconds(HttpServerRequest request, String name, long fallback) {
        String value = single(request, name);
        if (value == null) {
            return fallback;
        }
        try {
            long seconds = Long.parseLong(value);
            if (seconds >= 0) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + ": \"" + value + "\" is not a number of seconds");
    }

    static String absolutePath(JsonObject body, String field) {
        String path = string(body, field, true);
        if (!path.startsWith("/") || path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("field \"" + field + "\": \"" + path + "\" is not an absolute path on the "
                    + "daemon's host");
        }
        return path;
    }

    /** The plugin changes of {@code POST /v1/plugins/OP} and the fields each takes. */
    private static final java.util.Map<String, Set<String>> PLUGIN_OPS = java.util.Map.of(
            "install", Set.of("file", "use"),
            "update", Set.of("id", "file"),
            "stop", Set.of("id", "force"),
            "start", Set.of("id"),
            "remove", Set.of("id", "force"),
            "use", Set.of("id", "stage"));

    /**
     * {@code POST /v1/plugins/install|update|stop|start|remove|use}: checks the body's fields and types, then
     * hands the change to the engine. Files are paths on the daemon's host, like {@code load}'s archive.
     */
    private void plugin(HttpServerRequest request, String op) {
        Set<String> fields = PLUGIN_OPS.get(op);
        if (fields == null) {
            error(request.response(), ErrorKind.NOT_FOUND, "no such endpoint: POST " + request.path() + " (plugin "
                    + "changes: " + String.join(", ", new java.util.TreeSet<>(PLUGIN_OPS.keySet())) + ")");
            return;
        }
        withBody(request, "plugin " + op, fields, body -> {
            JsonObject order = new JsonObject().put("op", op);
            for (String field : fields) {
                switch (field) {
                    case "file" -> order.put("file", absolutePath(body, "file"));
                    case "id" -> order.put("id", string(body, "id", true));
                    case "stage" -> order.put("stage", string(body, "stage", false));
                    default -> {
                        Object flag = body.getValue(field);
                        if (flag != null && !(flag instanceof Boolean)) {
                            throw new IllegalArgumentException("field \"" + field + "\" must be true or false");
                        }
                        order.put(field, Boolean.TRUE.equals(flag));
                    }
                }
            }
            ask(request, BusAddresses.ENGINE_PLUGIN, order.encode(), 200, SLOW_TIMEOUT_MS);
        });
    }

    /**
     * {@code POST /v1/images/pull}: validates the reference and platform before anything leaves the
     * machine, then streams progress.
     */
    private void pull(HttpServerRequest request) {
        withBody(request, "pull", Set.of("reference", "platform", "insecure"), json -> {
            JsonObject order = new JsonObject();
            order.put("reference", dev.berth.api.image.ImageReference.parse(string(json, "reference", true)).toString());
            String platform = string(json, "platform", false);
            if (platform != null) {
                order.put("platform", dev.berth.api.image.Platform.parse(platform).toString());
            }
            order.put("insecure", strings(json, "insecure"));
            stream(request, BusAddresses.ENGINE_PULL, order);
        });
    }

    /**
     * Runs a long engine operation and streams it as NDJSON: the progress the stages publish on a fresh
     * {@code berth.progress.<id>} address, then {@code {"status":"done",...}} with the engine's answer or
     * {@code {"error":...}}.
     */
    void stream(HttpServerRequest request, String address, JsonObject order) {
        String progress = BusAddresses.PROGRESS_PREFIX + java.util.UUID.randomUUID();
        order.put("progress", progress);
        HttpServerResponse response = request.response().setChunked(true)
                .putHeader("Content-Type", "application/x-ndjson");
        io.vertx.core.eventbus.MessageConsumer<String> updates = vertx.eventBus().consumer(progress, m -> {
            if (!response.ended()) {
                response.write(m.body() + "\n");
            }
        });
        updates.completion().onComplete(registered -> vertx.eventBus().<String>request(address, order.encode(),
                new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(TimeUnit.MINUTES.toMillis(31)))
                .onComplete(ar -> {
                    updates.unregister();
                    if (response.ended()) {
                        return;
                    }
                    if (ar.succeeded()) {
                        response.end(new JsonObject(ar.result().body()).put("status", "done").encode() + "\n");
                    } else {
                        StringBuilder line = new StringBuilder("{\"error\":");
                        EnvelopeFormat.quote(line, ar.cause().getMessage());
                        response.end(line.append("}\n").toString());
                    }
                }));
    }

    /**
     * Puts the point in the log that parameter {@code name} names into {@code body}: a sequence number
     * ({@code 1234} or {@code #1234}) as {@code NAMESequence}, otherwise a time as {@link TimeArgument} reads
     * it ({@code @SECONDS} for Unix seconds, as a bare number is a sequence) as {@code NAMETime}.
     */
    static JsonObject point(HttpServerRequest request, String name, JsonObject body, boolean required) {
        String value = required ? required(request, name) : single(request, name);
        return value == null ? body : point(name, value, body, Instant.now());
    }

    /** {@link #point(HttpServerRequest, String, JsonObject, boolean)} for one value, relative times from {@code now}. */
    static JsonObject point(String name, String value, JsonObject body, Instant now) {
        String digits = value.startsWith("#") ? value.substring(1) : value;
        if (!digits.isEmpty() && digits.chars().allMatch(Character::isDigit)) {
            try {
                return body.put(name + "Sequence", Long.parseLong(digits));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ": sequence " + value + " is too large");
            }
        }
        String time = value.startsWith("@") ? value.substring(1) : value;
        return body.put(name + "Time", TimeArgument.parse(name, time, now).toString());
    }

    static String single(HttpServerRequest request, String name) {
        List<String> values = request.params().getAll(name);
        if (values.size() > 1) {
            throw new IllegalArgumentException(name + ": given " + values.size() + " times; give it once");
        }
        return values.isEmpty() ? null : values.get(0);
    }

    static boolean flag(HttpServerRequest request, String name) {
        String value = single(request, name);
        if (value == null || value.equals("false") || value.equals("0")) {
            return false;
        }
        if (value.isEmpty() || value.equals("true") || value.equals("1")) {
            return true;
        }
        throw new IllegalArgumentException(name + ": \"" + value + "\" is not true or false");
    }

    private void note(HttpServerRequest request) {
        withBody(request, "note", Set.of("message", "subject"), json -> {
            Object message = json.getValue("message");
            Object subject = json.getValue("subject");
            if (!(message instanceof String text) || text.isBlank()) {
                throw new IllegalArgumentException("field \"message\" must be a non-empty string");
            }
            if (text.length() > MAX_NOTE) {
                throw new IllegalArgumentException("field \"message\" is longer than " + MAX_NOTE + " characters");
            }
            if (subject != null && (!(subject instanceof String s) || s.isBlank() || s.length() > 256
                    || s.chars().anyMatch(Character::isISOControl))) {
                throw new IllegalArgumentException("field \"subject\" must be a string of 1 to 256 printable characters");
            }
            ask(request, BusAddresses.ENGINE_NOTE, new JsonObject().put("message", text)
                    .put("subject", subject == null ? "note" : subject).encode(), 201);
        });
    }

    /** Collects a request body of at most {@link #MAX_BODY} bytes; answers 413 and fails otherwise. */
    private Future<Buffer> readBody(HttpServerRequest request) {
        String length = request.getHeader("Content-Length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                error(request.response(), ErrorKind.INVALID, "Content-Length \"" + length + "\" is not a number");
                return Future.failedFuture("bad length");
            }
            if (declared > MAX_BODY) {
                tooLarge(request);
                return Future.failedFuture("too large");
            }
        }
        io.vertx.core.Promise<Buffer> promise = io.vertx.core.Promise.promise();
        Buffer body = Buffer.buffer();
        boolean[] failed = {false};
        request.handler(chunk -> {
            if (failed[0]) {
                return;
            }
            if (body.length() + chunk.length() > MAX_BODY) {
                failed[0] = true;
                tooLarge(request);
                promise.tryFail("too large");
                return;
            }
            body.appendBuffer(chunk);
        });
        request.endHandler(v -> {
            if (!failed[0]) {
                promise.tryComplete(body);
            }
        });
        request.exceptionHandler(promise::tryFail);
        return promise.future();
    }

    private static void tooLarge(HttpServerRequest request) {
        send(request.response().putHeader("Connection", "close"), 413,
                error("request body larger than " + MAX_BODY + " bytes", "invalid"));
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    static String kindOf(int status) {
        return ErrorKind.forHttpStatus(status, ErrorKind.INTERNAL).name().toLowerCase(java.util.Locale.ROOT);
    }

    static void error(HttpServerResponse response, ErrorKind kind, String message) {
        send(response, kind.httpStatus(), error(message, kind.name().toLowerCase(java.util.Locale.ROOT)));
    }

    static String error(String message, String kind) {
        StringBuilder out = new StringBuilder("{\"message\":");
        EnvelopeFormat.quote(out, message);
        out.append(",\"kind\":");
        EnvelopeFormat.quote(out, kind);
        return out.append('}').toString();
    }

    private static void json(HttpServerResponse response, int status, JsonObject body) {
        send(response, status, body.encode());
    }

    static void send(HttpServerResponse response, int status, String body) {
        if (response.ended() || response.headWritten()) {
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
    }

    /** The endpoint list as a map for diagnostics. */
    Map<String, String> describe() {
        return Map.of("version", berthVersion);
    }
}
