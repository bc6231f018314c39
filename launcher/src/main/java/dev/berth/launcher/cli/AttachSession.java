package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * One connection to a container's or exec's attach socket (framing in {@link AttachFrame}): writes the
 * process's output frames to the CLI's streams as they come, forwards standard input on a thread of its
 * own, and hands back the {@link AttachFrame#EXIT} payload. Thread-safe for sending: frames from the input
 * thread and the caller never interleave; {@link #pump} runs on one thread.
 */
final class AttachSession implements Closeable {
    private static final int INPUT_BUFFER = 32 * 1024;

    private final Closeable channel;
    private final InputStream in;
    private final OutputStream out;

    AttachSession(Closeable channel, InputStream in, OutputStream out) {
        this.channel = channel;
        this.in = new BufferedInputStream(in, 64 * 1024);
        this.out = out;
    }

    /**
     * Connects to the Unix socket at {@code path}. A failure is reported like a daemon error naming the
     * socket (the daemon named a socket nobody listens on), not as a lost daemon connection.
     */
    static AttachSession connect(String path) throws IOException, DaemonErrorException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(Path.of(path)));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw new DaemonErrorException(0, "attach to " + path + ": "
                    + (e.getMessage() == null ? e.toString() : e.getMessage()), "unavailable");
        }
        return new AttachSession(channel, input(channel), output(channel));
    }

    /*
     * Streams over the channel itself: those of java.nio.channels.Channels take the channel's blocking
     * lock, so a read waiting for output would block the input thread's writes. A SocketChannel reads and
     * writes concurrently on its own.
     */
    private static InputStream input(SocketChannel channel) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                return length == 0 ? 0 : channel.read(ByteBuffer.wrap(bytes, offset, length));
            }
        };
    }

    private static OutputStream output(SocketChannel channel) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
        };
    }

    /** Sends one frame. */
    void send(int type, byte[] payload) throws IOException {
        synchronized (out) {
            AttachFrame.write(out, type, payload);
        }
    }

    /** Sends the terminal size, if known. */
    void resize(int[] size) throws IOException {
        if (size != null) {
            send(AttachFrame.RESIZE, AttachFrame.size(size[0], size[1]));
        }
    }

    /**
     * Forwards {@code source} as {@link AttachFrame#STDIN} frames on a daemon thread, then
     * {@link AttachFrame#STDIN_CLOSE} at its end. Stops quietly once the socket is closed.
     */
    Thread forwardInput(InputStream source) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[INPUT_BUFFER];
            try {
                int n;
                while ((n = source.read(buffer)) >= 0) {
                    if (n > 0) {
                        synchronized (out) {
                            AttachFrame.write(out, AttachFrame.STDIN, buffer, 0, n);
                        }
                    }
                }
                send(AttachFrame.STDIN_CLOSE, new byte[0]);
            } catch (IOException e) {
                // The session ended (socket closed); nothing is left to forward to.
            }
        }, "berth-stdin");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * Copies output frames to {@code stdout} and {@code stderr}, flushing after each, until the exit frame
     * (returned as JSON) or the end of the socket (null). Frame types it does not know are skipped.
     */
    JsonNode pump(PrintStream stdout, PrintStream stderr) throws DaemonErrorException, IOException {
        while (true) {
            AttachFrame frame;
            try {
                frame = AttachFrame.read(in);
            } catch (IOException e) {
                throw new DaemonErrorException(0, "attach socket: " + e.getMessage(), "unavailable");
            }
            if (frame == null) {
                return null;
            }
            switch (frame.type()) {
                case AttachFrame.STDOUT -> {
                    stdout.write(frame.payload(), 0, frame.payload().length);
                    stdout.flush();
                }
                case AttachFrame.STDERR -> {
                    stderr.write(frame.payload(), 0, frame.payload().length);
                    stderr.flush();
                }
                case AttachFrame.EXIT -> {
                    JsonNode exit = frame.payload().length == 0 ? Json.object() : Json.parse(frame.payload());
                    return exit == null ? Json.object() : exit;
                }
                default -> {
                    // newer frame types: not for this client
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
