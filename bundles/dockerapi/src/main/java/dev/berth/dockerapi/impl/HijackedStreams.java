package dev.berth.dockerapi.impl;

import io.netty.channel.Channel;
import io.netty.channel.nio.AbstractNioChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannelConfig;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Takes over the connection of a Docker "hijacking" request ({@code Connection: Upgrade}, {@code Upgrade:
 * tcp}): writes {@code 101 UPGRADED} with the stream's media type and hands back the raw connection.
 *
 * <p>Two things Vert.x does not do for this, done here through its and Netty's implementation types (the
 * only place this bundle touches them):
 * <ul>
 * <li>Vert.x's {@code toNetSocket()} upgrades GET requests only (WebSocket style) and Docker hijacks POSTs,
 *     so the HTTP/1.1 connection is switched with its own {@code netSocket()}, which drops the HTTP codecs,
 *     and the 101 head is written here.
 * <li>The docker client half-closes its side when its standard input ends, and at once when it attaches no
 *     input ({@code CloseWrite} in its hijack code), then reads the output until the server closes. Netty's
 *     NIO transport closes a Unix-socket channel whose input ended (its half-closure option is only read
 *     from TCP channel configs), which would cut every {@code docker run} off before any output. So the
 *     connection's reading is switched off before the 101 goes out; Netty never sees the end of the input,
 *     output keeps flowing through the socket, and when the client attached standard input it is read by
 *     {@link Hijacked#readInput} on a thread of its own from the same file descriptor through a selector of
 *     its own, where the end of the input is just that.
 * </ul>
 * Stateless and thread-safe.
 */
final class HijackedStreams {
    /** Docker's media type of a stream with 8-byte stdout/stderr headers. */
    static final String MULTIPLEXED = "application/vnd.docker.multiplexed-stream";
    /** Docker's media type of a terminal's raw bytes. */
    static final String RAW = "application/vnd.docker.raw-stream";
    private static final int READ_BUFFER = 32 * 1024;

    private HijackedStreams() {
    }

    /** Whether the request asks to take over the connection. */
    static boolean upgrading(HttpServerRequest request) {
        String connection = request.getHeader("Connection");
        String upgrade = request.getHeader("Upgrade");
        return connection != null && connection.toLowerCase(Locale.ROOT).contains("upgrade")
                && upgrade != null && !upgrade.isBlank();
    }

    /** A connection taken over: output goes through {@link #socket()}; input only if {@link #readInput} is called. */
    static final class Hijacked {
        private final NetSocket socket;
        private final Channel channel;
        private volatile Selector selector;

        private Hijacked(NetSocket socket, Channel channel) {
            this.socket = socket;
            this.channel = channel;
        }

        /** The raw connection, for writing and closing; reading it is switched off. */
        NetSocket socket() {
            return socket;
        }

        /**
         * Reads the client's bytes from now on: each chunk to {@code data}, the end of its input (a
         * half-close, or the connection going away) once to {@code end}. The callbacks run on a thread of
         * their own ("berth-docker-stdin"), not on an event loop.
         */
        void readInput(Consumer<Buffer> data, Runnable end) {
            SelectableChannel java = javaChannel(channel);
            if (java instanceof SocketChannel readable) {
                Thread thread = new Thread(() -> pump(readable, data, end), "berth-docker-stdin");
                thread.setDaemon(true);
                thread.start();
                return;
            }
            // Not Netty's NIO (a native transport honours half-closure): read through Vert.x.
            if (channel.config() instanceof DuplexChannelConfig duplex) {
                duplex.setAllowHalfClosure(true);
            }
            boolean[] ended = {false};
            if (socket instanceof NetSocketInternal internal) {
                internal.eventHandler(event -> {
                    if (event instanceof ChannelInputShutdownEvent && !ended[0]) {
                        ended[0] = true;
                        end.run();
                    }
                });
            }
            socket.handler(data::accept);
            channel.config().setAutoRead(true);
        }

        private void pump(SocketChannel readable, Consumer<Buffer> data, Runnable end) {
            try (Selector own = Selector.open()) {
                selector = own;
                readable.register(own, SelectionKey.OP_READ);
                ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER);
                while (readable.isOpen()) {
                    own.select(1000);
                    own.selectedKeys().clear();
                    buffer.clear();
                    int n = readable.read(buffer);
                    if (n < 0) {
                        break;
                    }
                    if (n > 0) {
                        buffer.flip();
                        byte[] bytes = new byte[n];
                        buffer.get(bytes);
                        data.accept(Buffer.buffer(bytes));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the connection closed under us: its end is the end of the input too
            } finally {
                selector = null;
                end.run();
            }
        }

        /** Stops reading the input, if it is being read. */
        void stopReading() {
            Selector own = selector;
            if (own != null) {
                own.wakeup();
            }
        }
    }

    /**
     * Writes the 101 head with {@code mediaType} and the headers the router put on the response, and
     * completes with the connection. The request body, if any, must have been read.
     */
    static Future<Hijacked> upgrade(HttpServerRequest request, String mediaType) {
        if (!(request.connection() instanceof Http1xServerConnection connection)) {
            return Future.failedFuture("the connection cannot be taken over: it is not HTTP/1.1");
        }
        Channel channel = connection.channel();
        channel.config().setAutoRead(false);
        StringBuilder head = new StringBuilder("HTTP/1.1 101 UPGRADED\r\nContent-Type: ").append(mediaType)
                .append("\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n");
        request.response().headers().forEach(header -> {
            String name = header.getKey();
            if (!name.equalsIgnoreCase("Content-Type") && !name.equalsIgnoreCase("Connection")
                    && !name.equalsIgnoreCase("Upgrade") && !name.equalsIgnoreCase("Content-Length")) {
                head.append(name).append(": ").append(header.getValue()).append("\r\n");
            }
        });
        head.append("\r\n");
        return connection.netSocket().compose(socket -> {
            channel.config().setAutoRead(false); // the switch must not have turned reading back on
            return socket.write(Buffer.buffer(head.toString())).map(v -> new Hijacked(socket, channel));
        });
    }

    /** The JDK channel under a Netty NIO channel, or null for another transport. */
    private static SelectableChannel javaChannel(Channel channel) {
        if (!(channel instanceof AbstractNioChannel)) {
            return null;
        }
        try {
            Method method = AbstractNioChannel.class.getDeclaredMethod("javaChannel");
            method.setAccessible(true);
            return (SelectableChannel) method.invoke(channel);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
