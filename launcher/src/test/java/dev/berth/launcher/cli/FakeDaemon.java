package dev.berth.launcher.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for the daemon's API in tests: listens on a temporary Unix socket, accepts one connection, records
 * the request and lets the test write whatever raw HTTP bytes it wants as the answer. Used from the test
 * thread and one server thread; the recorded request is handed over through a future.
 */
final class FakeDaemon implements AutoCloseable {

    /** A parsed request as the fake daemon received it. */
    record Request(String requestLine, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Writes the answer; may block, e.g. waiting for the client to print a line. */
    interface Responder {
        void respond(Request request, OutputStream out) throws Exception;
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final CompletableFuture<Request> received = new CompletableFuture<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    FakeDaemon(Path folder, Responder responder) throws IOException {
        this.socket = folder.resolve("berth.sock");
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread thread = new Thread(() -> serve(responder), "fake-daemon");
        thread.setDaemon(true);
        thread.start();
    }

    /** {@code unix://<socket>} for {@code --host}. */
    String uri() {
        return "unix://" + socket;
    }

    /** The request the client sent, waiting up to 10 s for it. */
    Request request() throws Exception {
        return received.get(10, TimeUnit.SECONDS);
    }

    /** Waits until the answer was written and the connection closed; rethrows what the responder threw. */
    void awaitDone() throws Exception {
        done.get(10, TimeUnit.SECONDS);
    }

    private void serve(Responder responder) {
        try (SocketChannel channel = server.accept()) {
            InputStream in = Channels.newInputStream(channel);
            OutputStream out = Channels.newOutputStream(channel);
            Request request = read(in);
            received.complete(request);
            responder.respond(request, out);
            out.flush();
            done.complete(null);
        } catch (Throwable t) {
            received.completeExceptionally(t);
            done.completeExceptionally(t);
        }
    }

    static Request read(InputStream in) throws IOException {
        String requestLine = line(in);
        Map<String, String> headers = new LinkedHashMap<>();
        String header;
        while (!(header = line(in)).isEmpty()) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        return new Request(requestLine, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("client closed the connection mid-request");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /** Writes a complete answer with Content-Length. */
    static void respond(OutputStream out, int status, String reason, String contentType, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " " + reason + "\r\n"
                + "Content-Type: " + contentType + "\r\n"
                + "Content-Length: " + bytes.length + "\r\n"
                + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes);
        out.flush();
    }

    /** Writes one chunk of a chunked body and flushes it. */
    static void chunk(OutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes);
        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
