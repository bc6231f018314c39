package dev.berth.plugin.pull.impl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A tiny HTTP/1.1 server on 127.0.0.1 that records every request and lets a test answer it: forward it to the
 * real registry, serve canned bytes, cut the body short, stall, or ask for authentication. One connection
 * per request ({@code Connection: close}). Thread-safe: each connection runs on its own daemon thread.
 */
final class FakeRegistry implements AutoCloseable {

    /** A request as received; header names are lowercase. */
    record Request(String method, String target, Map<String, String> headers, long nanos) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
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

    private final ServerSocket server;
    private final URI upstream;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());
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
            Request request = new Request(requestLine[0], requestLine[1], Map.copyOf(headers), System.nanoTime());
            requests.add(request);
            handler.handle(request, new Exchange(socket.getOutputStream()));
        } catch (Exception ignored) {
            // The client hung up or the test ended; nothing to report from a fake.
        }
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

        /** Asks the real registry the same GET (with its Accept and Range headers). */
        Upstream forward(Request request) throws IOException, InterruptedException {
            HttpRequest.Builder builder = HttpRequest.newBuilder(upstream.resolve(request.target()));
            if (request.header("Accept") != null) {
                builder.header("Accept", request.header("Accept"));
            }
            if (request.header("Range") != null) {
                builder.header("Range", request.header("Range"));
            }
            HttpResponse<byte[]> response = UPSTREAM.send(builder.method(request.method(),
                    HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
            Map<String, String> headers = new LinkedHashMap<>();
            for (String name : List.of("Content-Type", "Docker-Content-Digest", "Content-Range", "Accept-Ranges",
                    "Location")) {
                response.headers().firstValue(name).ifPresent(v -> headers.put(name, v));
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
                case 206 -> "Partial Content";
                case 401 -> "Unauthorized";
                case 404 -> "Not Found";
                case 429 -> "Too Many Requests";
                case 500 -> "Internal Server Error";
                default -> "Status";
            };
        }
    }
}
