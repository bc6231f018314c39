package dev.berth.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The attach socket framing and the session that reads and writes it. */
class AttachFrameTest {
    private static byte[] frame(int type, String payload) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AttachFrame.write(out, type, payload.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    @Test
    void headerIsTypeThreeZerosAndBigEndianLength() throws Exception {
        byte[] bytes = frame(AttachFrame.STDERR, "x".repeat(0x0102));
        assertArrayEquals(new byte[] {2, 0, 0, 0, 0, 0, 1, 2}, Arrays.copyOf(bytes, 8));
        assertEquals(8 + 0x0102, bytes.length);
    }

    @Test
    void framesReadBackInOrderAndTheStreamEndsCleanlyBetweenFrames() throws Exception {
        InputStream in = new ByteArrayInputStream(concat(frame(AttachFrame.STDOUT, "out"),
                frame(AttachFrame.STDIN_CLOSE, ""), frame(AttachFrame.EXIT, "{\"exitCode\":0}")));
        List<String> read = new ArrayList<>();
        AttachFrame frame;
        while ((frame = AttachFrame.read(in)) != null) {
            read.add(frame.type() + ":" + new String(frame.payload(), StandardCharsets.UTF_8));
        }
        assertEquals(List.of("1:out", "3:", "5:{\"exitCode\":0}"), read);
    }

    @Test
    void resizePayloadIsRowsThenColumns() {
        assertArrayEquals(new byte[] {0, 24, 1, 44}, AttachFrame.size(24, 300));
    }

    static Stream<Arguments> damaged() throws IOException {
        byte[] good = frame(AttachFrame.STDOUT, "hello");
        return Stream.of(
                Arguments.of("TruncatedHeader", Arrays.copyOf(good, 5), "inside a frame header"),
                Arguments.of("TruncatedPayload", Arrays.copyOf(good, 10), "inside a frame of type 1 (2 of 5 bytes)"),
                Arguments.of("NonZeroPadding", new byte[] {1, 0, 7, 0, 0, 0, 0, 0}, "bytes 1 to 3 are not zero"),
                Arguments.of("HugeLength", new byte[] {1, 0, 0, 0, 0x7f, 0, 0, 0}, "more than"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damaged")
    void damagedFramesAreErrorsThatSayWhat(String name, byte[] bytes, String message) {
        IOException e = assertThrows(IOException.class, () -> AttachFrame.read(new ByteArrayInputStream(bytes)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        if (name.startsWith("Truncated")) {
            assertTrue(e instanceof EOFException, e.toString());
        }
    }

    @Test
    void emptyStreamHasNoFrame() throws Exception {
        assertNull(AttachFrame.read(new ByteArrayInputStream(new byte[0])));
    }

    @Test
    void sessionCopiesOutputByStreamSkipsUnknownFramesAndReturnsTheExit() throws Exception {
        byte[] monitor = concat(frame(AttachFrame.STDOUT, "hello "), frame(AttachFrame.STDERR, "oops\n"),
                frame(9, "future"), frame(AttachFrame.STDOUT, "world\n"),
                frame(AttachFrame.EXIT, "{\"exitCode\":3,\"signal\":0}"), frame(AttachFrame.STDOUT, "after exit"));
        CapturedOutput out = new CapturedOutput();
        CapturedOutput err = new CapturedOutput();
        AttachSession session = new AttachSession(() -> { }, new ByteArrayInputStream(monitor),
                new ByteArrayOutputStream());

        JsonNode exit = session.pump(out.stream(), err.stream());

        assertEquals(3, exit.path("exitCode").asInt());
        assertEquals("hello world\n", out.text());
        assertEquals("oops\n", err.text());
    }

    @Test
    void sessionWithoutExitFrameReturnsNull() throws Exception {
        AttachSession session = new AttachSession(() -> { },
                new ByteArrayInputStream(frame(AttachFrame.STDOUT, "x")), new ByteArrayOutputStream());
        assertNull(session.pump(new CapturedOutput().stream(), new CapturedOutput().stream()));
    }

    @Test
    void inputIsForwardedAsStdinFramesThenStdinClose() throws Exception {
        ByteArrayOutputStream socket = new ByteArrayOutputStream();
        AttachSession session = new AttachSession(() -> { }, new ByteArrayInputStream(new byte[0]), socket);
        session.resize(new int[] {40, 120});
        session.forwardInput(new ByteArrayInputStream("typed\n".getBytes(StandardCharsets.UTF_8))).join(5_000);

        InputStream written = new ByteArrayInputStream(socket.toByteArray());
        AttachFrame resize = AttachFrame.read(written);
        assertEquals(AttachFrame.RESIZE, resize.type());
        assertArrayEquals(new byte[] {0, 40, 0, 120}, resize.payload());
        AttachFrame stdin = AttachFrame.read(written);
        assertEquals(AttachFrame.STDIN, stdin.type());
        assertEquals("typed\n", new String(stdin.payload(), StandardCharsets.UTF_8));
        assertEquals(AttachFrame.STDIN_CLOSE, AttachFrame.read(written).type());
        assertNull(AttachFrame.read(written));
    }
}
