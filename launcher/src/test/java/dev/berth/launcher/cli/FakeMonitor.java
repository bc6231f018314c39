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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for a container's monitor: an attach socket that accepts one client and runs a script with
 * its streams (read the client's frames, write output frames). Thread-safe.
 */
final class FakeMonitor implements AutoCloseable {
    /** What the monitor does with one attached client. */
    interface Script {
        void run(InputStream fromClient, OutputStream toClient) throws Exception;
    }

    final Path socket;
    private final ServerSocketChannel server;
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    FakeMonitor(Path socket, Script script) throws IOException {
        this.socket = socket;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread thread = new Thread(() -> {
            try (SocketChannel channel = server.accept()) {
                script.run(Channels.newInputStream(channel), Channels.newOutputStream(channel));
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        }, "fake-monitor");
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits for the script to finish; rethrows what it threw. */
    void awaitDone() throws Exception {
        done.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
