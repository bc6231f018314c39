package dev.berth.launcher.daemon;

import dev.berth.launcher.cli.Caller;
import dev.berth.launcher.cli.Cli;

import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The daemon's CLI socket, {@code <run>/cli.sock}: the native client {@code bin/berth} (launcher/src/main/c)
 * hands it a command line, and the daemon runs the very same {@link Cli} for it in this long-lived,
 * already compiled JVM, instead of the caller starting a JVM of its own (about 150 ms on a 2-vCPU machine,
 * more than a whole {@code berth ps}). Only commands that touch nothing of the caller's are run here (see
 * {@code CliCommand.servedInDaemon}); for the others the client is told to fall back to the JVM CLI before
 * anything is written. The socket is root's and the {@value #GROUP} group's, mode 0660, like the API
 * socket it stands beside: both give the same power.
 *
 * <p>Protocol: frames of one type byte, a 4-byte big-endian length and that many bytes.
 * Client to daemon: {@code A} one argument, {@code E} one environment entry {@code K=V}, {@code T} the
 * terminal flags (one byte per standard stream 0, 1, 2: {@code '1'} a terminal), then {@code R} (run);
 * afterwards {@code S} a signal name ({@code INT}, {@code TERM}) the client caught, which goes to the command's
 * handlers (an attached run passes it to the container) or, with none, ends the command with 130 or 143 as
 * the signal would end a JVM CLI. Daemon to client:
 * {@code 1} standard output bytes, {@code 2} standard error bytes, then {@code X} the exit code as 4 bytes,
 * or only {@code F}: run the JVM CLI instead. A client that goes away ends its command's thread.
 * Thread-safe.
 */
final class CliSocket implements AutoCloseable {
    /** The group that may use the socket besides root, when it exists. */
    static final String GROUP = "berth";
    /** The socket's file name in the run folder. */
    static final String FILE_NAME = "cli.sock";

    private static final int MAX_FRAME = 1 << 20;
    private static final int MAX_REQUEST = 4 << 20;
    private static final int MAX_SESSIONS = 256;

    private final Path path;
    private final ServerSocketChannel server;
    private final PrintStream log;
    private final AtomicInteger sessions = new AtomicInteger();
    private final Map<Session, Boolean> live = new ConcurrentHashMap<>();
    private volatile Runnable onSession = () -> { };
    private volatile boolean closed;

    private CliSocket(Path path, ServerSocketChannel server, PrintStream log) {
        this.path = path;
        this.server = server;
        this.log = log;
    }

    /**
     * Listens on {@code <run>/cli.sock}. The socket is bound under a temporary name, restricted, then renamed
     * into place, so it is never reachable with wider access.
     */
    static CliSocket open(Path run, PrintStream log) throws IOException {
        Path path = run.resolve(FILE_NAME);
        Path temporary = run.resolve("." + FILE_NAME + "." + ProcessHandle.current().pid());
        Files.deleteIfExists(temporary);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(temporary));
            restrict(temporary);
            Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(temporary);
            throw new IOException("cannot listen on the CLI socket " + path + ": " + e.getMessage(), e);
        }
        CliSocket socket = new CliSocket(path, server, log);
        Thread acceptor = new Thread(socket::acceptLoop, "berth-cli-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return socket;
    }

    /**
     * The API sockets' rule (the apiserver bundle's SocketAccess), restated here because the launcher's class
     * path holds no bundle: the daemon's own classes must not depend on a bundle that can be swapped.
     */
    private static void restrict(Path socket) throws IOException {
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        GroupPrincipal group;
        try {
            group = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(GROUP);
        } catch (UserPrincipalNotFoundException e) {
            return; // no such group here: root only
        }
        Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(group);
    }

    /** The socket's path. */
    Path path() {
        return path;
    }

    /** Runs {@code action} on the accepting thread as each client connects, before its session starts; it must not block. */
    void onSession(Runnable action) {
        onSession = action;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    log.println("berth daemon: CLI socket: accept failed: " + e.getMessage());
                }
                return;
            }
            try {
                onSession.run();
            } catch (RuntimeException e) {
                log.println("berth daemon: CLI socket: " + e);
            }
            Session session = new Session(channel);
            Thread thread = new Thread(session::serve, "berth-cli-session");
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** Stops listening, removes the socket file and ends the sessions under way. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.println("berth daemon: cannot remove " + path + ": " + e.getMessage());
        }
        for (Session session : live.keySet()) {
            session.end();
        }
    }

    /** One client connection: its request, its command's thread, its signals. */
    private final class Session implements Caller {
        private final SocketChannel channel;
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new HashMap<>();
        private final List<Map<String, Runnable>> handlers = new CopyOnWriteArrayList<>();
        private volatile boolean terminal;
        private volatile Thread worker;
        private volatile boolean ended;

        Session(SocketChannel channel) {
            this.channel = channel;
        }

        void serve() {
            live.put(this, Boolean.TRUE);
            try {
                if (sessions.incrementAndGet() > MAX_SESSIONS || !readRequest()) {
                    send('F', new byte[0]);   // busy or not understood: the JVM CLI does it
                    return;
                }
                worker = Thread.currentThread();
                Thread watcher = new Thread(this::watch, "berth-cli-signals");
                watcher.setDaemon(true);
                watcher.start();
                int code = run();
                if (code == Cli.NOT_SERVED) {
                    send('F', new byte[0]);
                } else {
                    exit(code);
                }
                ended = true;
            } catch (IOException e) {
                // the client went away: nothing to tell it
            } finally {
                sessions.decrementAndGet();
                live.remove(this);
                closeQuietly();
            }
        }

        private int run() {
            // Buffered as the JVM CLI's is: one frame per flush, not per print.
            PrintStream out = new PrintStream(new BufferedOutputStream(new FrameStream('1'), 8192), false,
                    StandardCharsets.UTF_8);
            PrintStream err = new PrintStream(new FrameStream('2'), true, StandardCharsets.UTF_8);
            try {
                return Cli.serve(args, env, out, err, this);
            } catch (RuntimeException e) {
                err.println("berth: unexpected failure in the daemon's CLI: " + e);
                return 1;
            } finally {
                out.flush();
                err.flush();
            }
        }

        /** Reads frames up to {@code R}; false if the request is malformed or too large. */
        private boolean readRequest() throws IOException {
            long total = 0;
            while (true) {
                int type = readByte();
                byte[] payload = readPayload();
                total += payload.length;
                if (total > MAX_REQUEST) {
                    return false;
                }
                String text = new String(payload, StandardCharsets.UTF_8);
                switch (type) {
                    case 'A' -> args.add(text);
                    case 'E' -> {
                        int equals = text.indexOf('=');
                        if (equals > 0) {
                            env.put(text.substring(0, equals), text.substring(equals + 1));
                        }
                    }
                    case 'T' -> terminal = payload.length > 1 && payload[1] == '1';
                    case 'R' -> {
                        return true;
                    }
                    default -> {
                        return false;
                    }
                }
            }
        }

        /** After the request: signal frames until the client hangs up, which ends the command. */
        private void watch() {
            try {
                while (!ended) {
                    int type = readByte();
                    String name = new String(readPayload(), StandardCharsets.UTF_8);
                    if (type == 'S') {
                        boolean handled = false;
                        for (Map<String, Runnable> scope : handlers) {
                            Runnable action = scope.get(name);
                            if (action != null) {
                                action.run();
                                handled = true;
                            }
                        }
                        if (!handled) {
                            // What the signal does to a JVM CLI with no handler for it: end, as 128 + its number.
                            leave(128 + (name.equals("INT") ? 2 : 15));
                        }
                    }
                }
            } catch (IOException e) {
                if (!ended) {
                    end();   // hung up mid-command: stop its blocking calls
                }
            } catch (RuntimeException e) {
                log.println("berth daemon: CLI socket: signal handling failed: " + e);
            }
        }

        private int readByte() throws IOException {
            ByteBuffer one = ByteBuffer.allocate(1);
            fill(one);
            return one.get(0) & 0xff;
        }

        private byte[] readPayload() throws IOException {
            ByteBuffer length = ByteBuffer.allocate(4);
            fill(length);
            int size = length.getInt(0);
            if (size < 0 || size > MAX_FRAME) {
                throw new IOException("frame of " + size + " bytes");
            }
            ByteBuffer payload = ByteBuffer.allocate(size);
            fill(payload);
            return payload.array();
        }

        private void fill(ByteBuffer buffer) throws IOException {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer) < 0) {
                    throw new EOFException();
                }
            }
        }

        private void exit(int code) throws IOException {
            send('X', ByteBuffer.allocate(4).putInt(code).array());
        }

        private void send(char type, byte[] payload) throws IOException {
            send(type, payload, 0, payload.length);
        }

        private void send(char type, byte[] payload, int offset, int length) throws IOException {
            if (ended) {
                throw new IOException("the client's session has ended");
            }
            ByteBuffer frame = ByteBuffer.allocate(5 + length);
            frame.put((byte) type).putInt(length).put(payload, offset, length).flip();
            synchronized (channel) {
                while (frame.hasRemaining()) {
                    channel.write(frame);
                }
            }
        }

        /** Ends the session: no more output, the command's blocking calls interrupted. */
        void end() {
            ended = true;
            closeQuietly();
            Thread thread = worker;
            if (thread != null && thread != Thread.currentThread()) {
                thread.interrupt();
            }
        }

        private void closeQuietly() {
            try {
                channel.close();
            } catch (IOException e) {
                // already gone
            }
        }

        @Override
        public boolean terminal() {
            return terminal;
        }

        @Override
        public boolean remote() {
            return true;
        }

        @Override
        public Signals signals() {
            Map<String, Runnable> scope = new ConcurrentHashMap<>();
            handlers.add(scope);
            return new Signals() {
                @Override
                public boolean on(String name, Runnable action) {
                    if (!name.equals("INT") && !name.equals("TERM")) {
                        return false;   // the client forwards these two only
                    }
                    scope.put(name, action);
                    return true;
                }

                @Override
                public void close() {
                    handlers.remove(scope);
                }
            };
        }

        @Override
        public void leave(int exitCode) {
            try {
                exit(exitCode);
            } catch (IOException e) {
                // the client is gone already
            }
            end();
        }

        /** Standard output or error of the command, one frame per write. */
        private final class FrameStream extends OutputStream {
            private final char type;

            FrameStream(char type) {
                this.type = type;
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                while (length > 0) {
                    int chunk = Math.min(length, MAX_FRAME);
                    send(type, bytes, offset, chunk);
                    offset += chunk;
                    length -= chunk;
                }
            }
        }
    }
}
