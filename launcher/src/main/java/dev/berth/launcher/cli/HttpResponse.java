package dev.berth.launcher.cli;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP/1.1 response read from a daemon connection: status, headers and a body stream that ends where the
 * body ends (Content-Length, chunked, or connection close). Closing it closes the connection. Not
 * thread-safe.
 */
public final class HttpResponse implements Closeable {

    /** Largest body {@link #readBody()} accepts; the daemon's JSON answers are far smaller. */
    static final int MAX_BODY = 16 * 1024 * 1024;

    private final int status;
    private final String reason;
    private final Map<String, List<String>> headers;
    private final InputStream body;
    private final Closeable connection;

    HttpResponse(int status, String reason, Map<String, List<String>> headers, InputStream body, Closeable connection) {
        this.status = status;
        this.reason = reason;
        this.headers = headers;
        this.body = body;
        this.connection = connection;
    }

    /** The status code, e.g. 200. */
    public int status() {
        return status;
    }

    /** The reason phrase of the status line, possibly empty. */
    public String reason() {
        return reason;
    }

    /** The first value of a header, matched case-insensitively. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** The body as a stream that ends with the body. */
    public InputStream body() {
        return body;
    }

    /** Reads the whole body. */
    public byte[] readBody() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = body.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            if (out.size() > MAX_BODY) {
                throw new IOException("the daemon's answer is larger than " + MAX_BODY + " bytes");
            }
        }
        return out.toByteArray();
    }

    /**
     * Reads the next line of the body as UTF-8, without its line terminator, returning as soon as the line
     * feed arrives; {@code null} at the end of the body. A last line without line feed is returned too.
     */
    public String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        int b;
        while ((b = body.read()) >= 0) {
            if (b == '\n') {
                return utf8WithoutCr(line);
            }
            line.write(b);
            if (line.size() > MAX_BODY) {
                throw new IOException("a line of the daemon's answer is longer than " + MAX_BODY + " bytes");
            }
        }
        return line.size() == 0 ? null : utf8WithoutCr(line);
    }

    @Override
    public void close() throws IOException {
        connection.close();
    }

    private static String utf8WithoutCr(ByteArrayOutputStream line) {
        byte[] bytes = line.toByteArray();
        int length = bytes.length;
        if (length > 0 && bytes[length - 1] == '\r') {
            length--;
        }
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    /**
     * Reads one CRLF- or LF-terminated line of protocol text (status line, header, chunk size) as
     * ISO-8859-1; {@code null} if the stream ends before any byte.
     */
    static String readAsciiLine(InputStream in, int maxLength) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            line.append((char) b);
            if (line.length() > maxLength) {
                throw new IOException("malformed answer from the daemon: protocol line longer than " + maxLength);
            }
        }
        if (line.length() == 0) {
            return null;
        }
        throw new IOException("the daemon closed the connection in the middle of a line");
    }
}
