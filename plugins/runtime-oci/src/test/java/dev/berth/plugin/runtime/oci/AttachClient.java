package dev.berth.plugin.runtime.oci;

import dev.berth.api.container.AttachFrames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A test client of an attach socket: sends frames, collects output frames until EXIT. Not thread-safe. */
final class AttachClient implements AutoCloseable {
    private final SocketChannel channel;
    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    String exit;

    AttachClient(Path socket) throws IOException {
        channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    }

    void send(int type, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(AttachFrames.HEADER + payload.length);
        b.put((byte) type).put((byte) 0).put((byte) 0).put((byte) 0).putInt(payload.length).put(payload).flip();
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    void send(int type, String payload) throws IOException {
        send(type, payload.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads frames until the EXIT frame (returned) or end of stream (null). */
    String readUntilExit() throws IOException {
        while (true) {
            ByteBuffer header = ByteBuffer.allocate(AttachFrames.HEADER);
            if (!fill(header)) {
                return null;
            }
            int type = header.get(0);
            int len = header.getInt(4);
            ByteBuffer payload = ByteBuffer.allocate(len);
            if (!fill(payload)) {
                return null;
            }
            byte[] bytes = payload.array();
            switch (type) {
                case AttachFrames.STDOUT -> stdout.write(bytes);
                case AttachFrames.STDERR -> stderr.write(bytes);
                case AttachFrames.EXIT -> {
                    exit = new String(bytes, StandardCharsets.UTF_8);
                    return exit;
                }
                default -> throw new IOException("unexpected frame type " + type);
            }
        }
    }

    private boolean fill(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
