package dev.berth.apiserver.stream;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A real Vert.x HTTP server on 127.0.0.1 whose every request is answered by the test's handler, and a client
 * that reads one streamed answer as it arrives and can go away mid-stream. Thread-safe for one test at a time.
 */
final class StreamServer implements AutoCloseable {
    final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final HttpClient client;
    private volatile Consumer<HttpServerResponse> handler = response -> response.setStatusCode(404).end();

    StreamServer() throws Exception {
        server = vertx.createHttpServer().requestHandler(request -> handler.accept(request.response()));
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    }

    /** One answer as the client receives it. */
    static final class Reading {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CompletableFuture<Void> ended = new CompletableFuture<>();
        private volatile HttpClientResponse response;

        synchronized byte[] bytes() {
            return bytes.toByteArray();
        }

        String text() {
            return new String(bytes(), java.nio.charset.StandardCharsets.UTF_8);
        }

        /** Closes the connection, as a client that goes away does. */
        void leave() {
            response.request().connection().close();
        }

        private synchronized void add(byte[] more) {
            bytes.writeBytes(more);
        }
    }

    /** Answers the next request with {@code streamer} (on the request's event loop) and reads the answer. */
    Reading get(Consumer<HttpServerResponse> streamer) throws Exception {
        handler = streamer;
        Reading reading = new Reading();
        CompletableFuture<Void> headers = new CompletableFuture<>();
        client.request(io.vertx.core.http.HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
                .onFailure(headers::completeExceptionally)
                .onSuccess(request -> request.send().onComplete(ar -> {
                    if (ar.failed()) {
                        headers.completeExceptionally(ar.cause());
                        return;
                    }
                    // Handlers set by a listener on send() itself, in the turn the answer arrives in, before
                    // any of its body is read (a listener on a future composed from it may run a turn later).
                    reading.response = ar.result();
                    ar.result().handler(buffer -> reading.add(buffer.getBytes()));
                    ar.result().exceptionHandler(reading.ended::completeExceptionally);
                    ar.result().endHandler(v -> reading.ended.complete(null));
                    headers.complete(null);
                }));
        headers.get(10, TimeUnit.SECONDS);
        return reading;
    }

    /** Waits up to ten seconds for {@code condition}. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited ten seconds for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
