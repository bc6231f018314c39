package dev.berth.plugin.pull.impl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A tiny HTTP/1.1 server on 127.0.0.1 that records every request (with its body) and lets a test answer it:
 * forward it to the real registry, serve canned bytes, cut the body short, stall, or ask for authentication
 * (Basic, or a Bearer token service with scopes, {@link #bearer}). One connection per request
 * ({@code Connection: close}). Thread-safe: each connection runs on its own daemon thread.
 */
final class FakeRegistry implements AutoCloseable {

    /** A request as received; header names are lowercase. */
    record Request(String method, String target, Map<String, String> headers, byte[] body, long nanos) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }

        /** Whether this request writes: POST, PUT, PATCH or DELETE. */
        boolean writes() {
            return List.of("POST", "PUT", "PATCH", "DELETE").contains(method);
        }

        @Override
        public String toString() {
            return method + " " + target + (body.length > 0 ? " (" + body.length + " bytes)" : "");
        }
    }

    /** What the real registry answered. */
    record Upstream(int status, Map<String, String> headers, byte[] body) {
    }

    /** Answers one request. */
    @FunctionalInterface
    interface Handler {
        void handle(Request request, Exchange exchange) throws Exception;
    }

    private static final HttpClient UPSTREAM = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** A token query granting push on some repository: {@code scope=repository:NAME:pull,push}. */
    private static final Pattern PUSH_GRANT = Pattern.compile("(^|&)scope=repository:[^:&]+:([a-z]+,)*push(,[a-z]+)*(&|$)");
    /** The request headers {@link Exchange#forward} passes on. */
    private static final List<String> FORWARDED = List.of("Accept", "Range", "Content-Type", "Content-Range");
    /** The response headers {@link Exchange#forward} passes back. */
    private static final List<String> RELAYED = List.of("Content-Type", "Docker-Content-Digest", "Content-Range",
            "Accept-Ranges", "Location", "Range", "Docker-Upload-UUID");

    private final ServerSocket server;
    private final URI upstream;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());
    /** The scope query each token of {@link #bearer} was issued for. */
    private final Map<String, String> grants = new ConcurrentHashMap<>();
    private volatile Handler handler;

    FakeRegistry(URI upstream, Handler handler) throws IOException {
        this.upstream = upstream;
        this.handler = handler;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "fake-registry-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    String hostPort() {
        return "127.0.0.1:" + port();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    void handler(Handler next) {
        this.handler = next;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                Thread thread = new Thread(() -> serve(socket), "fake-registry-conn");
                thread.setDaemon(true);
                thread.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            int first = in.read();
            if (first < 0 || first == 0x16) {
                // 0x16 opens a TLS handshake: this server speaks plain HTTP only, so hang up.
                return;
            }
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            head.write(first);
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                byte[] sofar = head.toByteArray();
                int n = sofar.length;
                if (n >= 4 && sofar[n - 4] == '\r' && sofar[n - 3] == '\n' && sofar[n - 2] == '\r' && sofar[n - 1] == '\n') {
                    break;
                }
            }
            String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
            String[] requestLine = lines[0].split(" ");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            lines[i].substring(colon + 1).trim());
                }
            }
            Request request = new Request(requestLine[0], requestLine[1], Map.copyOf(headers), readBody(in, headers),
                    System.nanoTime());
            requests.add(request);
            handler.handle(request, new Exchange(socket.getOutputStream()));
        } catch (Exception ignored) {
            // The client hung up or the test ended; nothing to report from a fake.
        }
    }

    private static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
        String length = headers.get("content-length");
        if (length != null) {
            return in.readNBytes(Integer.parseInt(length.trim()));
        }
        if (!"chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))) {
            return new byte[0];
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = readLine(in);
            int semicolon = size.indexOf(';');
            int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            if (n == 0) {
                while (!readLine(in).isEmpty()) {
                    // trailers
                }
                return body.toByteArray();
            }
            body.write(in.readNBytes(n));
            readLine(in);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    /**
     * A Docker token service in front of {@code next}: {@code GET /token} hands out {@code tok-1},
     * {@code tok-2}, ... (counting in {@code issued}, in the field {@code token} or {@code access_token},
     * valid {@code expiresIn} seconds when positive) and remembers the scopes asked for; any other request
     * without a token issued so far, and any write with a token not granted push, is answered 401 with a
     * Bearer challenge whose realm is this fake.
     */
    static Handler bearer(AtomicInteger issued, boolean accessTokenField, int expiresIn, Handler next) {
        return (request, exchange) -> {
            FakeRegistry fake = exchange.fake();
            if (request.path().equals("/token")) {
                String token = "tok-" + issued.incrementAndGet();
                int q = request.target().indexOf('?');
                fake.grants.put(token, URLDecoder.decode(q < 0 ? "" : request.target().substring(q + 1),
                        StandardCharsets.UTF_8));
                String body = "{\"" + (accessTokenField ? "access_token" : "token") + "\":\"" + token + "\""
                        + (expiresIn > 0 ? ",\"expires_in\":" + expiresIn : "") + "}";
                exchange.respond(200, Map.of("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
                return;
            }
            String auth = request.header("Authorization");
            String token = auth != null && auth.startsWith("Bearer ") ? auth.substring("Bearer ".length()) : "";
            boolean valid = token.startsWith("tok-")
                    && Integer.parseInt(token.substring("tok-".length())) <= issued.get();
            boolean mayWrite = valid && PUSH_GRANT.matcher(fake.grants.getOrDefault(token, "")).find();
            if (!valid || request.writes() && !mayWrite) {
                exchange.respond(401, Map.of("WWW-Authenticate", "Bearer realm=\"http://" + fake.hostPort()
                        + "/token\",service=\"fake\"" + (valid ? ",error=\"insufficient_scope\"" : "")),
                        "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}"
                                .getBytes(StandardCharsets.UTF_8));
            } else {
                next.handle(request, exchange);
            }
        };
    }

    @Override
    public void close() throws IOException {
        closed.countDown();
        server.close();
        synchronized (sockets) {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    /** The answer to one request. */
    final class Exchange {
        private final OutputStream out;

        Exchange(OutputStream out) {
            this.out = out;
        }

        FakeRegistry fake() {
            return FakeRegistry.this;
        }

        /**
         * Asks the real registry the same request (method, body, and its Accept, Range, Content-Type and
         * Content-Range headers); a Location pointing at the real registry is rewritten to point here.
         */
        Upstream forward(Request request) throws IOException, InterruptedException {
            HttpRequest.Builder builder = HttpRequest.newBuilder(upstream.resolve(request.target()));
            for (String name : FORWARDED) {
                if (request.header(name) != null) {
                    builder.header(name, request.header(name));
                }
            }
            HttpRequest.BodyPublisher body = request.body().length == 0 && !request.writes()
                    ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(request.body());
            HttpResponse<byte[]> response = UPSTREAM.send(builder.method(request.method(), body).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            Map<String, String> headers = new LinkedHashMap<>();
            String upstreamOrigin = "http://" + upstream.getRawAuthority();
            for (String name : RELAYED) {
                response.headers().firstValue(name).ifPresent(v -> headers.put(name,
                        name.equals("Location") && v.startsWith(upstreamOrigin)
                                ? "http://" + hostPort() + v.substring(upstreamOrigin.length()) : v));
            }
            return new Upstream(response.statusCode(), headers, response.body());
        }

        /** Forwards and relays the answer unchanged. */
        void relay(Request request) throws IOException, InterruptedException {
            Upstream answer = forward(request);
            respond(answer.status(), answer.headers(), answer.body());
        }

        void respond(int status, Map<String, String> headers, byte[] body) throws IOException {
            writeHead(status, headers, body.length, false);
            out.write(body);
            out.flush();
        }

        /** Sends the full Content-Length but only the first {@code cut} bytes, then hangs up. */
        void respondCut(int status, Map<String, String> headers, byte[] body, int cut) throws IOException {
            writeHead(status, headers, body.length, false);
            out.write(body, 0, cut);
            out.flush();
        }

        /** Sends the head and the first {@code sent} bytes, then goes silent until the fake is closed. */
        void respondStalled(int status, Map<String, String> headers, byte[] body, int sent)
                throws IOException, InterruptedException {
            writeHead(status, headers, body.length, false);
            out.write(body, 0, sent);
            out.flush();
            closed.await(60, TimeUnit.SECONDS);
        }

        /** Sends the body with chunked encoding, so no Content-Length tells its size. */
        void respondChunked(int status, Map<String, String> headers, byte[] body) throws IOException {
            writeHead(status, headers, -1, true);
            for (int offset = 0; offset < body.length; offset += 4096) {
                int n = Math.min(4096, body.length - offset);
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body, offset, n);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        private void writeHead(int status, Map<String, String> headers, long length, boolean chunked) throws IOException {
            StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status))
                    .append("\r\n");
            headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            if (chunked) {
                head.append("Transfer-Encoding: chunked\r\n");
            } else {
                head.append("Content-Length: ").append(length).append("\r\n");
            }
            head.append("Connection: close\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        }

        private static String reason(int status) {
            return switch (status) {
                case 200 -> "OK";
                case 201 -> "Created";
                case 202 -> "Accepted";
                case 206 -> "Partial Content";
                case 401 -> "Unauthorized";
                case 403 -> "Forbidden";
                case 404 -> "Not Found";
                case 429 -> "Too Many Requests";
                case 500 -> "Internal Server Error";
                default -> "Status";
            };
        }
    }
}
