package dev.berth.itests;

import java.io.BufferedInputStream;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fault-injecting HTTP/1.1 proxy on 127.0.0.1 in front of a registry: each request is forwarded (with its
 * {@code Accept} and {@code Range} headers) to the upstream, whose whole answer is then served as it is or
 * spoiled as the current {@link Rule} says: another status, a connection dropped or a body truncated after
 * some bytes, a stall, or other bytes of the same length. One connection per request ({@code Connection:
 * close}). Every request is recorded. Thread-safe.
 */
final class FaultProxy implements AutoCloseable {
    /** What the proxy does to one answer. */
    enum Kind { PASS, STATUS, DROP, TRUNCATE, STALL, CORRUPT }

    /**
     * One answer's fault.
     *
     * @param status  for STATUS: the status served instead, with {@code headers} and an empty body
     * @param bytes   for DROP, TRUNCATE, STALL: how many body bytes go out first
     * @param millis  for STALL: how long the proxy then sends nothing before it closes the connection
     */
    record Action(Kind kind, int status, Map<String, String> headers, long bytes, long millis) {
        static final Action PASS = new Action(Kind.PASS, 0, Map.of(), 0, 0);

        static Action status(int status, Map<String, String> headers) {
            return new Action(Kind.STATUS, status, headers, 0, 0);
        }

        /** Sends the head and {@code bytes} of the body, then resets the connection (SO_LINGER 0). */
        static Action drop(long bytes) {
            return new Action(Kind.DROP, 0, Map.of(), bytes, 0);
        }

        /** Sends the head (the full Content-Length) and {@code bytes} of the body, then closes cleanly. */
        static Action truncate(long bytes) {
            return new Action(Kind.TRUNCATE, 0, Map.of(), bytes, 0);
        }

        /** Sends the head and {@code bytes} of the body, sends nothing for {@code millis}, then closes. */
        static Action stall(long bytes, long millis) {
            return new Action(Kind.STALL, 0, Map.of(), bytes, millis);
        }

        /** Serves the body with its middle byte flipped: other bytes, same length. */
        static Action corrupt() {
            return new Action(Kind.CORRUPT, 0, Map.of(), 0, 0);
        }
    }

    /**
     * One request as the proxy saw it.
     *
     * @param nth    how many requests for this path the proxy has seen, this one included (1 for the first)
     * @param nanos  {@link System#nanoTime()} when its head was read
     * @param served the fault applied to it
     */
    record Request(String method, String path, String range, int nth, long nanos, Kind served) {
        boolean isBlob(String digest) {
            return path.endsWith("/blobs/" + digest);
        }

        boolean isManifest() {
            return path.contains("/manifests/");
        }
    }

    /** Decides the fault of a request ({@code served} is not yet known: PASS). */
    @FunctionalInterface
    interface Rule {
        Action decide(Request request);
    }

    private static final Set<String> FORWARDED = Set.of("accept", "range");
    private static final List<String> RETURNED = List.of("Content-Type", "Docker-Content-Digest", "Content-Range",
            "Accept-Ranges", "Location", "Docker-Distribution-Api-Version", "WWW-Authenticate", "Retry-After");

    private final URI upstream;
    private final ServerSocket server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Request> requests = new ArrayList<>();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Rule rule = r -> Action.PASS;

    /** Starts the proxy on a free port of 127.0.0.1 in front of {@code http://127.0.0.1:upstreamPort}. */
    FaultProxy(int upstreamPort) throws IOException {
        this.upstream = URI.create("http://127.0.0.1:" + upstreamPort);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "fault-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    /** {@code 127.0.0.1:PORT}: the registry name clients use. */
    String hostPort() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Applies {@code rule} to the requests from now on, and forgets the requests seen so far. */
    void use(Rule next) {
        synchronized (requests) {
            requests.clear();
            counts.clear();
            rule = next;
        }
    }

    /** The requests seen since the last {@link #use}, in arrival order. */
    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                open.add(socket);
                Thread handler = new Thread(() -> handle(socket), "fault-proxy-conn");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void handle(Socket socket) {
        try (socket) {
            socket.setSoTimeout(30_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String requestLine = line(in);
            if (requestLine == null || requestLine.isEmpty()) {
                return;
            }
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                if (colon > 0) {
                    headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
                }
            }
            String[] parts = requestLine.split(" ");
            String method = parts[0];
            String target = parts.length > 1 ? parts[1] : "/";
            byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
            String path = URI.create(target).getPath();
            Request seen;
            Action action;
            synchronized (requests) {
                int nth = counts.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
                seen = new Request(method, path, headers.get("range"), nth, System.nanoTime(), Kind.PASS);
                action = rule.decide(seen);
                requests.add(new Request(method, path, seen.range(), nth, seen.nanos(), action.kind()));
            }
            OutputStream out = socket.getOutputStream();
            if (action.kind() == Kind.STATUS) {
                Map<String, String> h = new LinkedHashMap<>(action.headers());
                h.put("Content-Length", "0");
                writeHead(out, action.status(), h);
                out.flush();
                return;
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(upstream.resolve(target))
                    .timeout(Duration.ofSeconds(30))
                    .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            headers.forEach((name, value) -> {
                if (FORWARDED.contains(name)) {
                    forward.header(name, value);
                }
            });
            HttpResponse<byte[]> answer = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            byte[] content = answer.body();
            Map<String, String> h = new LinkedHashMap<>();
            for (String name : RETURNED) {
                answer.headers().firstValue(name).ifPresent(v -> h.put(name, v));
            }
            // HEAD: the upstream's length; otherwise the length of the body it sent.
            h.put("Content-Length", method.equals("HEAD")
                    ? answer.headers().firstValue("Content-Length").orElse("0") : String.valueOf(content.length));
            writeHead(out, answer.statusCode(), h);
            if (method.equals("HEAD")) {
                out.flush();
                return;
            }
            switch (action.kind()) {
                case DROP -> {
                    out.write(content, 0, (int) Math.min(action.bytes(), content.length));
                    out.flush();
                    socket.setSoLinger(true, 0); // close() now sends RST
                }
                case TRUNCATE -> {
                    out.write(content, 0, (int) Math.min(action.bytes(), content.length));
                    out.flush();
                    socket.shutdownOutput();
                }
                case STALL -> {
                    out.write(content, 0, (int) Math.min(action.bytes(), content.length));
                    out.flush();
                    Thread.sleep(action.millis());
                }
                case CORRUPT -> {
                    byte[] other = content.clone();
                    if (other.length > 0) {
                        other[other.length / 2] ^= 0x01;
                    }
                    out.write(other);
                    out.flush();
                }
                default -> {
                    out.write(content);
                    out.flush();
                }
            }
        } catch (IOException | RuntimeException e) {
            // The client went away, or the proxy is closing: nothing to answer.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(socket);
        }
    }

    private static void writeHead(OutputStream out, int status, Map<String, String> headers) throws IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status))
                .append("\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Connection: close\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 206 -> "Partial Content";
            case 404 -> "Not Found";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            default -> "Status";
        };
    }

    /** One CRLF-terminated line of ISO-8859-1 without its terminator; null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                break;
            }
            if (b != '\r') {
                buffer.write(b);
            }
            if (buffer.size() > 16384) {
                throw new IOException("header line too long");
            }
        }
        return b < 0 && buffer.size() == 0 ? null : buffer.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : open) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // Closing anyway.
            }
        }
    }
}
