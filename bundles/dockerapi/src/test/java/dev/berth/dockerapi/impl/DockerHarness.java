package dev.berth.dockerapi.impl;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * A real {@link DockerServer} on a temporary Unix socket, with stand-in engine consumers on the bus addresses a
 * test names (each records its requests and answers through a function: a {@link JsonObject} reply, a
 * {@link Failure}, or null for no answer), an in-memory {@link MemoryLog}, and a small HTTP client. For one
 * test at a time.
 */
final class DockerHarness implements AutoCloseable {
    /** An answer that fails the bus message with {@code code} and {@code message}. */
    record Failure(int code, String message) {
    }

    /** One HTTP answer: status, headers of interest and body text. */
    record Answer(int status, Map<String, String> headers, String body) {
        JsonObject json() {
            return new JsonObject(body);
        }

        JsonArray array() {
            return new JsonArray(body);
        }

        String message() {
            return json().getString("message");
        }
    }

    final Vertx vertx = Vertx.vertx();
    final MemoryLog log = new MemoryLog();
    final Map<String, List<JsonObject>> requests = new ConcurrentHashMap<>();
    private final DockerServer server;
    private final Path socket;
    private final Path scratch;
    private final HttpClient client;

    DockerHarness(Path folder) throws Exception {
        scratch = folder.resolve("scratch");
        server = new DockerServer(vertx, log, "9.9.9-test", scratch);
        socket = folder.resolve("docker.sock");
        server.start(socket);
        client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    }

    /** Makes {@code address} answer through {@code answers}. */
    DockerHarness engine(String address, Function<JsonObject, Object> answers) throws Exception {
        vertx.eventBus().<String>consumer(address, message -> {
            JsonObject body = new JsonObject(message.body());
            requests.computeIfAbsent(address, a -> new CopyOnWriteArrayList<>()).add(body);
            Object answer = answers.apply(body);
            if (answer instanceof Failure failure) {
                message.fail(failure.code(), failure.message());
            } else if (answer != null) {
                message.reply(((JsonObject) answer).encode());
            }
        }).completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return this;
    }

    List<JsonObject> requests(String address) {
        return requests.getOrDefault(address, List.of());
    }

    Answer call(HttpMethod method, String uri) throws Exception {
        return call(method, uri, null);
    }

    /** Sends one request and waits for the whole answer. */
    Answer call(HttpMethod method, String uri, Buffer body) throws Exception {
        return call(method, uri, body, Map.of());
    }

    /** Sends one request with the headers {@code sent} added and waits for the whole answer. */
    Answer call(HttpMethod method, String uri, Buffer body, Map<String, String> sent) throws Exception {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        // How far the exchange got, for the message should it never end.
        AtomicReference<String> reached = new AtomicReference<>("no connection yet");
        RequestOptions options = new RequestOptions().setServer(SocketAddress.domainSocketAddress(socket.toString()))
                .setMethod(method).setURI(uri).setHost("docker");
        sent.forEach(options::putHeader);
        client.request(options)
                .compose(request -> {
                    reached.set("connected, no answer yet");
                    // body() is asked for by a function composed on send() itself, in the turn the answer
                    // arrives in; composed one level out it may run a turn later, after the body went by
                    // unread, and the exchange never ends (two CI runs timed out so).
                    return (body == null ? request.send() : request.send(body)).compose(response -> {
                        reached.set("status " + response.statusCode() + " and headers received, the body not ended");
                        return response.body().map(b -> {
                            Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                            response.headers().forEach(e -> headers.put(e.getKey(), e.getValue()));
                            return new Answer(response.statusCode(), headers, b.toString());
                        });
                    });
                })
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        answer.complete(ar.result());
                    } else {
                        answer.completeExceptionally(ar.cause());
                    }
                });
        try {
            return answer.get(20, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(method + " " + uri + ": no whole answer within 20 s (" + reached.get() + ")", e);
        }
    }

    /** Waits up to 10 s for the background deletions to empty the scratch folder; fails naming what is left. */
    void assertScratchEmptied() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<Path> left = List.of();
        while (System.nanoTime() < deadline) {
            try (java.util.stream.Stream<Path> entries = java.nio.file.Files.exists(scratch)
                    ? java.nio.file.Files.list(scratch) : java.util.stream.Stream.empty()) {
                left = entries.toList();
            }
            if (left.isEmpty()) {
                return;
            }
            Thread.sleep(20);
        }
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), left, "left in the scratch folder");
    }

    @Override
    public void close() throws Exception {
        server.stop();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
