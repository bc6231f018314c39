package dev.berth.launcher.cli;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One frame on a container's or exec's attach socket: an 8-byte header {@code [type][0][0][0][length: 4
 * bytes big-endian]} then {@code length} bytes of payload. The type constants are copies of those in
 * {@code dev.berth.api.container.AttachFrames}, which defines the protocol; the CLI keeps its own so it
 * needs no engine class at run time. Immutable.
 *
 * @param type    one of the type constants
 * @param payload the payload bytes
 */
record AttachFrame(int type, byte[] payload) {
    /** Client to monitor: bytes for the process's standard input. */
    static final int STDIN = 0;
    /** Monitor to client: standard output (all output with a terminal). */
    static final int STDOUT = 1;
    /** Monitor to client: standard error. */
    static final int STDERR = 2;
    /** Client to monitor: close the process's standard input. */
    static final int STDIN_CLOSE = 3;
    /** Client to monitor: terminal size, rows then columns, 2 bytes big-endian each. */
    static final int RESIZE = 4;
    /** Monitor to client: the process ended; payload JSON {"exitCode","signal","finishedAt"}. */
    static final int EXIT = 5;
    /** Client to monitor: start a process that waits for its client. */
    static final int START = 6;
    /** The header length in bytes. */
    static final int HEADER = 8;
    /** The largest payload accepted from the monitor. */
    static final int MAX_PAYLOAD = 16 * 1024 * 1024;

    /**
     * Reads the next frame; null when the stream ends cleanly between frames.
     *
     * @throws IOException when the stream ends inside a frame or a header is malformed
     */
    static AttachFrame read(InputStream in) throws IOException {
        byte[] header = new byte[HEADER];
        int got = in.readNBytes(header, 0, HEADER);
        if (got == 0) {
            return null;
        }
        if (got < HEADER) {
            throw new EOFException("attach socket closed inside a frame header (" + got + " of " + HEADER + " bytes)");
        }
        int type = header[0] & 0xff;
        if (header[1] != 0 || header[2] != 0 || header[3] != 0) {
            throw new IOException("malformed attach frame header: bytes 1 to 3 are not zero (type " + type + ")");
        }
        long length = ((header[4] & 0xffL) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8)
                | (header[7] & 0xff);
        if (length > MAX_PAYLOAD) {
            throw new IOException("attach frame of type " + type + " announces " + length + " bytes, more than "
                    + MAX_PAYLOAD);
        }
        byte[] payload = in.readNBytes((int) length);
        if (payload.length < length) {
            throw new EOFException("attach socket closed inside a frame of type " + type + " (" + payload.length
                    + " of " + length + " bytes)");
        }
        return new AttachFrame(type, payload);
    }

    /** Writes one frame and flushes; callers sharing {@code out} between threads synchronize on it. */
    static void write(OutputStream out, int type, byte[] payload, int offset, int length) throws IOException {
        byte[] header = {(byte) type, 0, 0, 0, (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8),
            (byte) length};
        out.write(header);
        out.write(payload, offset, length);
        out.flush();
    }

    /** Writes one frame with the whole {@code payload}. */
    static void write(OutputStream out, int type, byte[] payload) throws IOException {
        write(out, type, payload, 0, payload.length);
    }

    /** The payload of a {@link #RESIZE} frame. */
    static byte[] size(int rows, int columns) {
        return new byte[] {(byte) (rows >>> 8), (byte) rows, (byte) (columns >>> 8), (byte) columns};
    }
}
