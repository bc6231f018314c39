package dev.berth.launcher.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in daemon for commands that make several requests ({@code run}: create, attach, start, wait):
 * like {@link FakeDaemon} but it accepts connections one after the other until closed, records each
 * request, and lets the test answer each one by its request line. Thread-safe.
 */
final class ScriptedDaemon implements AutoCloseable {
    /** Answers one request. */
    interface Handler {
        void respond(FakeDaemon.Request request, OutputStream out) throws Exception;
    }

    private final Path socket;
    private final ServerSocketChannel server;
    final List<FakeDaemon.Request> requests = new CopyOnWriteArrayList<>();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();

    ScriptedDaemon(Path folder, Handler handler) throws IOException {
        this.socket = folder.resolve("berth.sock");
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread thread = new Thread(() -> serve(handler), "scripted-daemon");
        thread.setDaemon(true);
        thread.start();
    }

    String uri() {
        return "unix://" + socket;
    }

    /** The request lines received so far, e.g. {@code POST /v1/containers HTTP/1.1}. */
    List<String> lines() {
        return requests.stream().map(FakeDaemon.Request::requestLine).toList();
    }

    private void serve(Handler handler) {
        while (server.isOpen()) {
            try (SocketChannel channel = server.accept()) {
                InputStream in = Channels.newInputStream(channel);
                OutputStream out = Channels.newOutputStream(channel);
                FakeDaemon.Request request = FakeDaemon.read(in);
                requests.add(request);
                handler.respond(request, out);
                out.flush();
            } catch (IOException e) {
                return;   // closed
            } catch (Throwable t) {
                failures.add(t);
            }
        }
    }

    /** A JSON answer. */
    static void json(OutputStream out, int status, String body) throws IOException {
        FakeDaemon.respond(out, status, status < 300 ? "OK" : "Error", "application/json", body);
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
