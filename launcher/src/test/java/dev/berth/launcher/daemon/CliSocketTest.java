package dev.berth.launcher.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The daemon's CLI socket with a hand-written client speaking its frames: what it runs, what it hands back to
 * the JVM CLI, and hostile requests, which must end with a fallback or a closed connection and leave the
 * socket serving. No daemon API is needed: the commands used fail to reach one, or print help.
 */
class CliSocketTest {
    @TempDir
    Path run;

    private CliSocket socket;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void open() throws IOException {
        socket = CliSocket.open(run, new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void close() {
        socket.close();
    }

    @Test
    void eachClientThatConnectsRunsTheSessionHookFirst() throws IOException {
        AtomicInteger connected = new AtomicInteger();
        socket.onSession(connected::incrementAndGet);
        for (int i = 1; i <= 2; i++) {
            Answer answer = exchange(request(List.of("ps", "--help"), List.of()));
            assertEquals(0, answer.exit(), answer.toString());
            assertEquals(i, connected.get(), "the hook ran for client " + i);
        }

        socket.onSession(() -> {
            throw new IllegalStateException("hook failed");
        });
        Answer served = exchange(request(List.of("ps", "--help"), List.of()));
        assertEquals(0, served.exit(), "a failing hook keeps no client from its answer: " + served);
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("hook failed"), log.toString(StandardCharsets.UTF_8));
    }

    /** What the socket answered: output, error, exit code, or a fallback. */
    record Answer(String out, String err, Integer exit, boolean fallback, boolean closedEarly) {
    }

    private Answer exchange(byte[] request) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket.path()));
            ByteBuffer buffer = ByteBuffer.wrap(request);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            return readAnswer(channel);
        }
    }

    /** Reads frames up to an exit code or a fallback; a connection closed before either is closedEarly. */
    private static Answer readAnswer(SocketChannel channel) throws IOException {
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        while (true) {
            ByteBuffer header = ByteBuffer.allocate(5);
            if (!fill(channel, header)) {
                return new Answer(out.toString(), err.toString(), null, false, true);
            }
            byte[] payload = new byte[header.getInt(1)];
            if (!fill(channel, ByteBuffer.wrap(payload))) {
                return new Answer(out.toString(), err.toString(), null, false, true);
            }
            switch (header.get(0)) {
                case '1' -> out.append(new String(payload, StandardCharsets.UTF_8));
                case '2' -> err.append(new String(payload, StandardCharsets.UTF_8));
                case 'X' -> {
                    return new Answer(out.toString(), err.toString(), ByteBuffer.wrap(payload).getInt(), false, false);
                }
                case 'F' -> {
                    return new Answer(out.toString(), err.toString(), null, true, false);
                }
                default -> throw new AssertionError("unknown frame " + (char) header.get(0));
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

    /** One client-to-daemon frame: type byte, 4-byte big-endian length, payload (CliSocket's protocol). */
    private static byte[] frame(char type, String payload) {
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(type);
        out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
        out.writeBytes(bytes);
        return out.toByteArray();
    }

    private static byte[] request(List<String> args, List<String> env) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        args.forEach(a -> out.writeBytes(frame('A', a)));
        env.forEach(e -> out.writeBytes(frame('E', e)));
        out.writeBytes(frame('T', "000"));
        out.writeBytes(frame('R', ""));
        return out.toByteArray();
    }

    private String unreachable() {
        return "unix://" + run.resolve("no-daemon/berth.sock");
    }

    @Test
    void socketIsRootAndGroupOnly() throws IOException {
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.path())));
        assertEquals(run.resolve(CliSocket.FILE_NAME), socket.path());
        try (Stream<Path> files = Files.list(run)) {
            assertEquals(List.of(socket.path()), files.toList(), "only the socket, no temporary name left");
        }
    }

    @Test
    void runsTheCliAndRelaysItsStreamsAndExitCode() throws IOException {
        Answer help = exchange(request(List.of("ps", "--help"), List.of()));
        assertEquals(0, help.exit());
        assertTrue(help.out().startsWith("Usage: berth ps"), help.out());

        Answer usage = exchange(request(List.of("nosuch"), List.of()));
        assertEquals(2, usage.exit());
        assertTrue(usage.err().contains("unknown command 'nosuch'"), usage.err());

        // The caller's environment is the CLI's: BERTH_HOST names a daemon that is not there.
        Answer down = exchange(request(List.of("ps"), List.of("BERTH_HOST=" + unreachable())));
        assertEquals(3, down.exit(), down.err());
        assertTrue(down.err().contains("no-daemon"), down.err());
    }

    @Test
    void commandsThatNeedTheCallerFallBackBeforeWritingAnything() throws IOException {
        for (List<String> args : List.of(
                List.of("load", "-i", "image.tar"),
                List.of("save", "-o", "out.tar", "busybox"),
                List.of("import", "rootfs.tar"),
                List.of("export", "-o", "fs.tar", "c1"),
                List.of("login", "-u", "me", "127.0.0.1:5000"),
                List.of("audit", "verify"),
                List.of("plugin", "install", "x.jar"),
                List.of("run", "-it", "busybox", "sh"),
                List.of("run", "-i", "busybox", "cat"),
                List.of("run", "--env-file", "env.list", "busybox"),
                List.of("create", "--security-opt", "seccomp=profile.json", "busybox"),
                List.of("exec", "-t", "c1", "sh"),
                List.of("start", "-a", "c1"))) {
            Answer answer = exchange(request(args, List.of("BERTH_HOST=" + unreachable())));
            assertTrue(answer.fallback(), args + " must fall back, got " + answer);
            assertEquals("", answer.out() + answer.err(), args + " wrote before falling back");
        }
        for (List<String> args : List.of(List.of("run", "--rm", "busybox", "true"), List.of("start", "c1"),
                List.of("plugin", "stop", "x"), List.of("create", "--security-opt", "seccomp=unconfined", "busybox"))) {
            Answer answer = exchange(request(args, List.of("BERTH_HOST=" + unreachable())));
            assertEquals(3, answer.exit(), args + " is served (and finds no daemon): " + answer);
        }
    }

    static Stream<Arguments> hostileRequests() {
        byte[] huge = ByteBuffer.allocate(5).put((byte) 'A').putInt(Integer.MAX_VALUE).array();
        byte[] negative = ByteBuffer.allocate(5).put((byte) 'A').putInt(-1).array();
        byte[] unknownType = frame('Q', "x");
        ByteArrayOutputStream tooMuch = new ByteArrayOutputStream();
        String big = "x".repeat(900_000);
        for (int i = 0; i < 6; i++) {
            tooMuch.writeBytes(frame('E', "K" + i + "=" + big));
        }
        tooMuch.writeBytes(frame('R', ""));
        byte[] notUtf8 = concat(frame('A', "ps"), new byte[] {'A', 0, 0, 0, 2, (byte) 0xff, (byte) 0xfe},
                frame('R', ""));
        return Stream.of(
                Arguments.of("a frame longer than 1 MiB", huge, false),
                Arguments.of("a negative frame length", negative, false),
                Arguments.of("an unknown frame type", unknownType, true),
                Arguments.of("a request over 4 MiB in total", tooMuch.toByteArray(), true),
                Arguments.of("hung up before the run frame", frame('A', "ps"), false),
                Arguments.of("a truncated header", new byte[] {'A', 0, 0}, false),
                Arguments.of("an empty connection", new byte[0], false),
                Arguments.of("bytes that are not UTF-8 in an argument", notUtf8, null));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /**
     * @param fallback true: answered with a fallback; false: the connection is closed without an answer;
     *                 null: the CLI ran and answered (with a usage error)
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileRequests")
    void hostileRequestsEndCleanlyAndTheSocketKeepsServing(String what, byte[] request, Boolean fallback)
            throws Exception {
        Answer answer;
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket.path()));
            try {
                ByteBuffer buffer = ByteBuffer.wrap(request);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                if (fallback != null) {
                    // Whatever it sent is all there is. (A complete request is not half-closed: the socket
                    // takes end-of-input from a client as a hang-up, which ends the command it runs.)
                    channel.shutdownOutput();
                }
            } catch (IOException e) {
                // the socket stopped reading (too much): its answer is still there to read
            }
            answer = readAnswer(channel);
        }
        if (fallback == null) {
            assertEquals(2, answer.exit(), what + ": " + answer);
        } else if (fallback) {
            assertTrue(answer.fallback(), what + ": " + answer);
        } else {
            assertTrue(answer.closedEarly() || answer.fallback(), what + ": " + answer);
            assertEquals(null, answer.exit(), what);
        }
        Answer after = exchange(request(List.of("version", "--help"), List.of()));
        assertEquals(0, after.exit(), "still serving after " + what);
    }

    @Test
    void aClientThatHangsUpEndsItsSession() throws Exception {
        // `events -f` against a daemon that is not there ends at once; a hang-up mid-request must not keep
        // a session thread either.
        for (int i = 0; i < 20; i++) {
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                channel.connect(UnixDomainSocketAddress.of(socket.path()));
                channel.write(ByteBuffer.wrap(frame('A', "ps")));
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (sessionThreads() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, sessionThreads(), "session threads left after the clients hung up");
        assertFalse(log.toString(StandardCharsets.UTF_8).contains("failed"), log.toString(StandardCharsets.UTF_8));
    }

    private static long sessionThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("berth-cli-session") && t.isAlive()).count();
    }

    @Test
    void closeRemovesTheSocketFile() {
        socket.close();
        assertFalse(Files.exists(socket.path()));
    }
}
