package dev.berth.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The chunked decoder on hand-written bodies, including what a broken daemon could send. */
class ChunkedInputStreamTest {

    private static InputStream chunked(String wire) {
        return new ChunkedInputStream(new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void decodesChunksWithExtensionsAndTrailers() throws IOException {
        InputStream in = chunked("5\r\nhello\r\n1;name=value\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n");
        assertEquals("hello 0123456789", new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
        assertEquals(-1, in.read());
    }

    @Test
    void acceptsBareLineFeeds() throws IOException {
        assertEquals("abc", new String(chunked("3\nabc\n0\n\n").readAllBytes(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void badChunkSizeIsAnError() {
        IOException e = assertThrows(IOException.class, () -> chunked("zz\r\nabc\r\n0\r\n\r\n").readAllBytes());
        assertEquals("malformed chunked body: bad chunk size 'zz'", e.getMessage());
    }

    @Test
    void missingCrlfAfterAChunkIsAnError() {
        assertThrows(IOException.class, () -> chunked("3\r\nabcX\r\n0\r\n\r\n").readAllBytes());
    }

    @Test
    void truncatedStreamIsAnEofError() {
        assertThrows(EOFException.class, () -> chunked("10\r\nonly-part").readAllBytes());
        assertThrows(EOFException.class, () -> chunked("3\r\nabc\r\n").readAllBytes());
    }

    @Test
    void readNeverCrossesIntoTheNextChunk() throws IOException {
        InputStream in = chunked("3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n");
        byte[] buffer = new byte[10];
        assertEquals(3, in.read(buffer, 0, 10));
        assertEquals(3, in.read(buffer, 0, 10));
        assertEquals(-1, in.read(buffer, 0, 10));
    }
}
