package dev.berth.apiserver.impl;

import dev.berth.api.bus.BusAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A real {@link ApiServer} on a temporary Unix socket with a stand-in engine consumer on
 * {@link BusAddresses#ENGINE_CONTAINERS} that records every order and answers through a function the test
 * sets; plus a small HTTP client. The answer function may return a {@link JsonObject} (the reply) or a
 * {@link Failure}. Thread-safe for one test at a time.
 */
final class FakeEngine implements AutoCloseable {
    /** An answer that fails the bus message with {@code code} and {@code message}. */
    record Failure(int code, String message) {
    }

    /** One HTTP answer: status and body text. */
    record Answer(int status, String body) {
        JsonObject json() {
            return new JsonObject(body);
        }
    }

    final Vertx vertx = Vertx.vertx();
    final List<JsonObject> orders = new CopyOnWriteArrayList<>();
    private final ApiServer server;
    private final Path socket;
    private final HttpClient client;
    private volatile Function<JsonObject, Object> answers = order -> new JsonObject().put("echo", order);

    FakeEngine(Path folder) throws Exception {
        vertx.eventBus().<String>consumer(BusAddresses.ENGINE_CONTAINERS, message -> {
            JsonObject order = new JsonObject(message.body());
            orders.add(order);
            Object answer = answers.apply(order);
            if (answer instanceof Failure failure) {
                message.fail(failure.code(), failure.message());
            } else if (answer != null) {
                message.reply(((JsonObject) answer).encode());
            }
        }).completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        server = new ApiServer(vertx, null, "test");
        socket = folder.resolve("berth.sock");
        server.start(socket, null, null);
        // One connection per request, as the CLI does; a pooled connection the server closed after an
        // error answer could otherwise be picked for the next request.
        client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(false));
    }

    /** Sets how the engine answers. */
    void answer(Function<JsonObject, Object> answers) {
        this.answers = answers;
    }

    /** Sends one request and waits for the whole answer. */
    Answer call(HttpMethod method, String uri, String body) throws Exception {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        client.request(options(method, uri))
                .compose(request -> body == null ? request.send() : request.send(Buffer.buffer(body)))
                .compose(response -> response.body().map(b -> new Answer(response.statusCode(), b.toString())))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        answer.complete(ar.result());
                    } else {
                        answer.completeExceptionally(ar.cause());
                    }
                });
        return answer.get(20, TimeUnit.SECONDS);
    }

    /** A streamed answer as it arrives: its status, the text so far, and when it ended. */
    static final class Streamed {
        final StringBuffer text = new StringBuffer();
        final CompletableFuture<Integer> status = new CompletableFuture<>();
        final CompletableFuture<Void> ended = new CompletableFuture<>();
        volatile HttpClientResponse response;

        /** Closes the connection as a client going away would. */
        void disconnect() {
            response.request().connection().close();
        }
    }

    /** Sends one GET request and collects its answer as it arrives. */
    Streamed stream(String uri) throws Exception {
        Streamed streamed = new Streamed();
        client.request(options(HttpMethod.GET, uri)).compose(request -> request.send()).onComplete(ar -> {
            if (ar.failed()) {
                streamed.status.completeExceptionally(ar.cause());
                return;
            }
            streamed.response = ar.result();
            ar.result().handler(buffer -> streamed.text.append(buffer.toString()));
            ar.result().endHandler(v -> streamed.ended.complete(null));
            ar.result().exceptionHandler(streamed.ended::completeExceptionally);
            streamed.status.complete(ar.result().statusCode());
        });
        streamed.status.get(20, TimeUnit.SECONDS);
        return streamed;
    }

    private RequestOptions options(HttpMethod method, String uri) {
        return new RequestOptions().setServer(SocketAddress.domainSocketAddress(socket.toString()))
                .setMethod(method).setURI(uri).setHost("localhost");
    }

    @Override
    public void close() throws java.util.concurrent.ExecutionException, java.util.concurrent.TimeoutException {
        server.stop();
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
