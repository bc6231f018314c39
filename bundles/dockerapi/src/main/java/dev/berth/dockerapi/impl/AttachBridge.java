package dev.berth.dockerapi.impl;

import dev.berth.api.container.AttachFrames;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.function.Consumer;

/**
 * Joins a docker client's hijacked connection to a Berth monitor's attach socket (a container's or an
 * exec's): the monitor's {@link AttachFrames#STDOUT}/{@link AttachFrames#STDERR} frames go to the client
 * unchanged as Docker's multiplexed stream (the headers are the same), or as their bare bytes when the
 * process has a terminal; streams the client did not ask for are left out. The client's bytes go to the
 * monitor as {@link AttachFrames#STDIN} frames when it attached standard input, and the end of its input
 * (its half-close) as {@link AttachFrames#STDIN_CLOSE}. The monitor's {@link AttachFrames#EXIT} is handed to
 * {@code onExit} before the client's connection is closed, so a client that asks for the exit code right
 * after its stream ended finds it. Either side closing closes the other; the container itself goes on.
 * Back-pressure both ways: a full client pauses the monitor's reading, a full monitor holds the client's.
 *
 * <p>Without a client (a detached exec) output is read and dropped, and the exit still reported. Runs on the
 * event loop of the monitor connection, except the client's input, forwarded from its reading thread, and
 * {@link #resize}, called from any request's loop: both only write to the monitor's socket, which is
 * thread-safe.
 */
final class AttachBridge {
    /** Which streams the client asked for and whether the process has a terminal. */
    record Streams(boolean stdin, boolean stdout, boolean stderr, boolean tty) {
    }

    private final NetSocket monitor;
    private final Streams streams;
    private final Consumer<JsonObject> onExit;
    private final Promise<Void> closed = Promise.promise();
    private final MonitorFrames decoder;
    private NetSocket client;
    private boolean exitSeen;

    private AttachBridge(NetSocket monitor, Streams streams, Consumer<JsonObject> onExit) {
        this.monitor = monitor;
        this.streams = streams;
        this.onExit = onExit;
        this.decoder = new MonitorFrames(this::fromMonitor);
    }

    /**
     * Connects to the monitor's socket at {@code path}; the bridge reads nothing until {@link #join} or
     * {@link #detached} is called.
     */
    static Future<AttachBridge> connect(NetClient net, String path, Streams streams, Consumer<JsonObject> onExit) {
        return net.connect(SocketAddress.domainSocketAddress(path)).map(socket -> {
            socket.pause();
            return new AttachBridge(socket, streams, onExit);
        });
    }

    /**
     * Starts copying between {@code hijacked} (the docker client's raw connection) and the monitor. The
     * client's input is read only when it attached standard input; its bytes are forwarded from the reading
     * thread (socket writes are thread-safe), waiting while the monitor's write queue is full.
     */
    void join(HijackedStreams.Hijacked hijacked) {
        this.client = hijacked.socket();
        client.closeHandler(v -> close());
        client.exceptionHandler(e -> close());
        if (streams.stdin()) {
            hijacked.readInput(bytes -> {
                monitor.write(MonitorFrames.stdin(bytes));
                while (monitor.writeQueueFull() && !closed.future().isComplete()) {
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }, this::inputEnded);
        }
        wireMonitor();
    }

    /** Starts reading the monitor with no client: output is dropped, the exit still reported. */
    void detached() {
        wireMonitor();
    }

    /** The client's input ended (its half-close): the process's standard input is closed, if it was attached. */
    void inputEnded() {
        if (streams.stdin() && !closed.future().isComplete()) {
            monitor.write(MonitorFrames.empty(AttachFrames.STDIN_CLOSE));
        }
    }

    /** Sends the START frame an exec's monitor waits for before it runs the process. */
    void start() {
        monitor.write(MonitorFrames.empty(AttachFrames.START));
    }

    /** Passes a terminal size on to the monitor. */
    void resize(int rows, int columns) {
        if (!closed.future().isComplete()) {
            monitor.write(MonitorFrames.resize(rows, columns));
        }
    }

    /** Closes both connections (the process goes on). */
    void abandon() {
        close();
    }

    /** Completes once both connections are closed. */
    Future<Void> closed() {
        return closed.future();
    }

    private void wireMonitor() {
        monitor.handler(bytes -> {
            try {
                decoder.feed(bytes);
            } catch (IllegalStateException e) {
                close();
            }
        });
        monitor.closeHandler(v -> close());
        monitor.exceptionHandler(e -> close());
        monitor.resume();
    }

    private void fromMonitor(int type, Buffer frame) {
        switch (type) {
            case AttachFrames.STDOUT, AttachFrames.STDERR -> {
                boolean wanted = type == AttachFrames.STDOUT ? streams.stdout() : streams.stderr();
                if (client == null || !wanted) {
                    return;
                }
                client.write(streams.tty() ? MonitorFrames.payload(frame) : frame);
                if (client.writeQueueFull()) {
                    monitor.pause();
                    client.drainHandler(v -> monitor.resume());
                }
            }
            case AttachFrames.EXIT -> {
                if (!exitSeen) {
                    exitSeen = true;
                    onExit.accept(exit(MonitorFrames.payload(frame)));
                }
            }
            default -> {
                // frame types a client does not act on
            }
        }
    }

    /** The exit payload {@code {"exitCode","signal","finishedAt"}}; an unreadable one counts as unknown. */
    private static JsonObject exit(Buffer payload) {
        try {
            return payload.length() == 0 ? new JsonObject().put("exitCode", -1) : new JsonObject(payload.toString());
        } catch (DecodeException | ClassCastException e) {
            return new JsonObject().put("exitCode", -1).put("reason", "unreadable exit report from the monitor");
        }
    }

    private void close() {
        if (closed.future().isComplete()) {
            return;
        }
        if (!exitSeen) {
            exitSeen = true;
            onExit.accept(null); // the connection ended without an exit report
        }
        closed.complete();
        monitor.close();
        if (client != null) {
            client.close();
        }
    }
}
