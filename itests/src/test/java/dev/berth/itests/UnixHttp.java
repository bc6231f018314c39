package dev.berth.itests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 client over a Unix socket for tests that need many fast requests or raw, malformed
 * ones. One request per connection ({@code Connection: close}). Thread-safe: holds no state but the path.
 */
final class UnixHttp {
    /** One answer: status and the whole body (chunked bodies are de-chunked). */
    record Response(int status, String body) {
    }

    private final Path socket;

    UnixHttp(Path socket) {
        this.socket = socket;
    }

    Response get(String target) throws IOException {
        return exchange("GET", target, null, null);
    }

    Response post(String target, String json) throws IOException {
        return exchange("POST", target, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    Response exchange(String method, String target, String contentType, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: berth\r\nConnection: close\r\n");
        if (body != null) {
            head.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ").append(body.length)
                    .append("\r\n");
        }
        head.append("\r\n");
        return raw(head.toString().getBytes(StandardCharsets.US_ASCII), body);
    }

    /** Sends raw bytes and parses the answer. */
    Response raw(byte[] head, byte[] body) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            write(channel, head);
            if (body != null) {
                write(channel, body);
            }
            return read(Channels.newInputStream(channel));
        }
    }

    /** Reads one HTTP/1.1 answer (status line, headers, a chunked, sized or closed body) from {@code in}. */
    static Response read(InputStream in) throws IOException {
        String statusLine = line(in);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2) {
            throw new IOException("no HTTP answer: \"" + statusLine + "\"");
        }
        int status = Integer.parseInt(parts[1]);
        boolean chunked = false;
        long length = -1;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            } else if (lower.startsWith("content-length:")) {
                length = Long.parseLong(header.substring(header.indexOf(':') + 1).trim());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (chunked) {
            while (true) {
                int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
                if (size == 0) {
                    break;
                }
                out.write(in.readNBytes(size));
                line(in);
            }
        } else if (length >= 0) {
            out.write(in.readNBytes((int) length));
        } else {
            out.write(in.readAllBytes());
        }
        return new Response(status, out.toString(StandardCharsets.UTF_8));
    }

    private static void write(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                out.write(c);
            }
        }
        if (c == -1 && out.size() == 0) {
            throw new IOException("connection closed before the answer was complete");
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
