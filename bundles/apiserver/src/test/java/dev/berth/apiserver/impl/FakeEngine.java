package dev.berth.apiserver.impl;

import dev.berth.api.bus.BusAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
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
        // For streamed answers only; one connection per request, so that a pooled connection the server
        // closed after an error answer is never picked again.
        client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(false));
    }

    /** Sets how the engine answers. */
    void answer(Function<JsonObject, Object> answers) {
        this.answers = answers;
    }

    /**
     * Sends one request on a connection of its own, as the CLI does (a blocking JDK socket, not Vert.x), and
     * reads the whole answer until the server closes. When no complete answer comes within 20 s, the failure
     * shows what did arrive, so that a hang says whether the server answered at all.
     */
    Answer call(HttpMethod method, String uri, String body) throws Exception {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String head = method.name() + " " + uri + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    + (body == null ? "" : "Content-Length: " + content.length + "\r\n") + "\r\n";
            CompletableFuture<Void> exchange = CompletableFuture.runAsync(() -> {
                try {
                    write(channel, head.getBytes(StandardCharsets.ISO_8859_1), content);
                    ByteBuffer buffer = ByteBuffer.allocate(8192);
                    while (channel.read(buffer.clear()) >= 0) {
                        received.write(buffer.array(), 0, buffer.position());
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, FakeEngine::ownThread);
            try {
                exchange.get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("no whole answer to " + method + " " + uri + " within 20 s; received "
                        + received.size() + " bytes: " + received.toString(StandardCharsets.UTF_8), e);
            }
        }
        return parse(received.toByteArray(), method + " " + uri);
    }

    /** Runs {@code task} on a thread of its own: the common pool may have a single thread here, and a blocked one. */
    private static void ownThread(Runnable task) {
        Thread thread = new Thread(task, "fake-engine-call");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Writes the request; a server that answers early and closes (a body too large) may refuse the rest,
     * which is not an error as long as its answer can be read.
     */
    private static void write(SocketChannel channel, byte[] head, byte[] content) {
        try {
            for (ByteBuffer part : new ByteBuffer[] {ByteBuffer.wrap(head), ByteBuffer.wrap(content)}) {
                while (part.hasRemaining()) {
                    channel.write(part);
                }
            }
        } catch (IOException refused) {
            // read what the server answered before it closed
        }
    }

    /** The status and body of a whole HTTP/1.1 answer; a chunked body is joined. */
    private static Answer parse(byte[] bytes, String request) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.1 ") || end < 0) {
            throw new AssertionError("not an HTTP answer to " + request + ": " + text);
        }
        String head = text.substring(0, end).toLowerCase(java.util.Locale.ROOT);
        int status = Integer.parseInt(text.substring(9, 12));
        String rest = text.substring(end + 4);
        if (head.contains("\r\ntransfer-encoding: chunked")) {
            StringBuilder joined = new StringBuilder();
            int at = 0;
            while (true) {
                int line = rest.indexOf("\r\n", at);
                int size = Integer.parseInt(rest.substring(at, line).trim(), 16);
                if (size == 0) {
                    break;
                }
                joined.append(rest, line + 2, line + 2 + size);
                at = line + 2 + size + 2;
            }
            rest = joined.toString();
        }
        return new Answer(status, new String(rest.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
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
        // The handlers are set by a listener on send() itself: a listener on a future composed from it may run
        // in a later turn of the event loop, after the answer's body has gone by unread.
        client.request(options(HttpMethod.GET, uri)).onFailure(streamed.status::completeExceptionally)
                .onSuccess(request -> request.send().onComplete(ar -> {
                    if (ar.failed()) {
                        streamed.status.completeExceptionally(ar.cause());
                        return;
                    }
                    streamed.response = ar.result();
                    ar.result().handler(buffer -> streamed.text.append(buffer.toString()));
                    ar.result().endHandler(v -> streamed.ended.complete(null));
                    ar.result().exceptionHandler(streamed.ended::completeExceptionally);
                    streamed.status.complete(ar.result().statusCode());
                }));
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
