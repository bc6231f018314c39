package dev.berth.plugin.runtime.oci;

import dev.berth.api.container.AttachFrames;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A container whose monitor waits for START ({@code berth-shim create --wait-attach}): the runtime holds
 * nothing of it yet, and the monitor runs the runtime's {@code run --detach} when asked, one runtime process
 * where {@code create} then {@code start} would take two. The marker file {@value #MARKER} in the state dir
 * says a monitor was launched that way and not yet asked, and holds what a new one needs should this one
 * stop waiting (after 300 s). Stateless.
 */
final class WaitingStart {
    /** In the state dir from the launch of a waiting monitor until its START was answered. */
    static final String MARKER = "start.pending";
    /** The longest socket path the JDK connects to directly, with room to spare. */
    private static final int SOCKET_PATH_MAX = 100;

    private WaitingStart() {
    }

    /** What a waiting monitor was started with, beyond what the runtime plugin's index keeps. */
    record Mark(Path log, boolean tty, boolean stdin) {
    }

    /** Writes the marker: a monitor is about to wait for START, with the container's log and streams. */
    static void mark(Path stateDir, Path log, boolean tty, boolean stdin) throws IOException {
        Files.writeString(stateDir.resolve(MARKER), new JsonObject().put("log", log.toString()).put("tty", tty)
                .put("stdin", stdin).encode(), StandardCharsets.UTF_8);
    }

    /** Reads the marker {@link #mark} wrote. */
    static Mark readMark(Path stateDir) throws IOException {
        Path file = stateDir.resolve(MARKER);
        try {
            JsonObject json = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
            return new Mark(Path.of(json.getString("log")), json.getBoolean("tty", false),
                    json.getBoolean("stdin", false));
        } catch (DecodeException | ClassCastException | NullPointerException e) {
            throw new IOException("read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether the container in {@code stateDir} waits for START under a monitor that still runs. */
    static boolean waiting(Path stateDir) {
        return Files.exists(stateDir.resolve(MARKER)) && Shims.alive(stateDir);
    }

    /**
     * Sends START on the monitor's attach socket and returns the pid it answers; throws
     * {@link ShimLauncher.ShimException} with the monitor's message when the runtime failed.
     */
    static int start(Path stateDir, Duration timeout) throws IOException {
        SocketChannel channel = connect(stateDir.resolve("attach.sock"));
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
            try {
                ByteBuffer start = ByteBuffer.allocate(AttachFrames.HEADER);
                start.put((byte) AttachFrames.START).putInt(4, 0).position(AttachFrames.HEADER).flip();
                while (start.hasRemaining()) {
                    channel.write(start);
                }
                return readStarted(channel);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, Commands.IO);
        String report;
        try (channel) {
            report = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ShimLauncher.ShimException("no answer to START from the monitor within "
                    + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the monitor", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
            throw new IOException("ask the monitor to start: " + cause.getMessage(), cause);
        }
        if (report == null) {
            throw new ShimLauncher.ShimException("the monitor ended without answering START");
        }
        return ShimLauncher.parseReport(report);
    }

    /**
     * Connects to {@code socket}; a path longer than the JDK takes for a socket address (106 bytes here) is
     * reached through a symbolic link of a random name in the temporary folder, deleted once connected.
     * The monitor binds it relative to its state dir, so any state dir works.
     */
    private static SocketChannel connect(Path socket) throws IOException {
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length <= SOCKET_PATH_MAX) {
            return SocketChannel.open(UnixDomainSocketAddress.of(socket));
        }
        Path link = Path.of(System.getProperty("java.io.tmpdir"), "berth-start-"
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36));
        Files.createSymbolicLink(link, socket);
        try {
            return SocketChannel.open(UnixDomainSocketAddress.of(link));
        } finally {
            Files.deleteIfExists(link);
        }
    }

    /** Skips output frames until the STARTED frame; its payload, or null at end of stream. */
    private static String readStarted(SocketChannel channel) throws IOException {
        while (true) {
            ByteBuffer header = ByteBuffer.allocate(AttachFrames.HEADER);
            if (!fill(channel, header)) {
                return null;
            }
            int type = header.get(0);
            int length = header.getInt(4);
            if (length < 0 || length > (1 << 20)) {
                throw new IOException("the monitor sent a frame of " + Integer.toUnsignedString(length) + " bytes");
            }
            ByteBuffer payload = ByteBuffer.allocate(length);
            if (!fill(channel, payload)) {
                return null;
            }
            if (type == AttachFrames.STARTED) {
                return new String(payload.array(), StandardCharsets.UTF_8);
            }
        }
    }

    private static boolean fill(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                return false;
            }
        }
        return true;
    }
}
