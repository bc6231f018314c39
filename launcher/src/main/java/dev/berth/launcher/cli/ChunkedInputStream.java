package dev.berth.launcher.cli;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Decodes an HTTP/1.1 chunked body. A read returns at most what is left of the current chunk and never waits
 * for the next chunk header while data of the current one is still unread, so a line that ends a chunk is
 * available as soon as that chunk arrives. Not thread-safe.
 */
final class ChunkedInputStream extends InputStream {

    private static final int MAX_LINE = 8192;

    private final InputStream in;
    private long remaining;
    private boolean needsChunkEnd;
    private boolean finished;

    ChunkedInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        if (!ensureData()) {
            return -1;
        }
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the daemon closed the connection in the middle of a chunk");
        }
        remaining--;
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (!ensureData()) {
            return -1;
        }
        int n = in.read(buffer, offset, (int) Math.min(length, remaining));
        if (n < 0) {
            throw new EOFException("the daemon closed the connection in the middle of a chunk");
        }
        remaining -= n;
        return n;
    }

    @Override
    public int available() throws IOException {
        return finished ? 0 : (int) Math.min(remaining, in.available());
    }

    /** Reads chunk headers until there is data or the last chunk; returns false at the end of the body. */
    private boolean ensureData() throws IOException {
        while (!finished && remaining == 0) {
            if (needsChunkEnd) {
                String end = readLine();
                if (!end.isEmpty()) {
                    throw new IOException("malformed chunked body: expected CRLF after a chunk, got '" + end + "'");
                }
                needsChunkEnd = false;
            }
            String header = readLine();
            int semicolon = header.indexOf(';');
            String size = (semicolon < 0 ? header : header.substring(0, semicolon)).trim();
            try {
                remaining = Long.parseLong(size, 16);
            } catch (NumberFormatException e) {
                throw new IOException("malformed chunked body: bad chunk size '" + header + "'");
            }
            if (remaining < 0) {
                throw new IOException("malformed chunked body: negative chunk size '" + header + "'");
            }
            if (remaining == 0) {
                // Trailer fields, then the empty line that ends the message.
                while (!readLine().isEmpty()) {
                    // Trailers carry nothing the CLI needs.
                }
                finished = true;
            } else {
                needsChunkEnd = true;
            }
        }
        return !finished;
    }

    private String readLine() throws IOException {
        String line = HttpResponse.readAsciiLine(in, MAX_LINE);
        if (line == null) {
            throw new EOFException("the daemon closed the connection in the middle of a chunked body");
        }
        return line;
    }
}
