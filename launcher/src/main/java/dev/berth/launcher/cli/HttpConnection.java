package dev.berth.launcher.cli;

import dev.berth.launcher.BerthVersion;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 exchange with the daemon over a Unix domain socket or TCP: opens the connection, writes a
 * request with {@code Connection: close} and parses the response head. One request per connection; not
 * thread-safe.
 */
final class HttpConnection implements Closeable {

    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final int MAX_HEADER_LINE = 16 * 1024;
    private static final int MAX_HEADERS = 200;

    private final DaemonAddress address;
    private final Closeable channel;
    private final InputStream in;
    private final OutputStream out;

    private HttpConnection(DaemonAddress address, Closeable channel, InputStream in, OutputStream out) {
        this.address = address;
        this.channel = channel;
        this.in = new BufferedInputStream(in, 8192);
        this.out = new BufferedOutputStream(out, 8192);
    }

    /** Connects to the daemon; a missing socket or a refused connection is a {@link DaemonUnreachableException}. */
    static HttpConnection open(DaemonAddress address, ClientTls tls) throws DaemonUnreachableException {
        return address.isUnix() ? openUnix(address) : openTcp(address, tls);
    }

    private static HttpConnection openUnix(DaemonAddress address) throws DaemonUnreachableException {
        if (!Files.exists(address.socketPath())) {
            throw new DaemonUnreachableException(address, "no such socket", null);
        }
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(address.socketPath()));
            return new HttpConnection(address, channel, Channels.newInputStream(channel), Channels.newOutputStream(channel));
        } catch (IOException e) {
            closeQuietly(channel);
            throw new DaemonUnreachableException(address, reason(e), e);
        }
    }

    /**
     * Connects over TCP, then TLS with the client certificate of {@code tls}: the daemon serves TCP only so;
     * without {@code tls} the connection is refused here with the reason.
     */
    private static HttpConnection openTcp(DaemonAddress address, ClientTls tls) throws DaemonUnreachableException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(address.host(), address.port()), CONNECT_TIMEOUT_MILLIS);
            if (tls == null) {
                closeQuietly(socket);
                throw new DaemonUnreachableException(address, "the daemon serves TCP only with TLS and client "
                        + "certificates: set " + ClientTls.CERT_PATH_ENV + " to a folder with ca.pem, cert.pem and "
                        + "key.pem", null);
            }
            socket = tls.wrap(socket, address.host(), address.port());
            return new HttpConnection(address, socket, socket.getInputStream(), socket.getOutputStream());
        } catch (IOException e) {
            closeQuietly(socket);
            throw new DaemonUnreachableException(address, reason(e), e);
        }
    }

    /** A short lowercase reason for a failed connect. */
    static String reason(IOException e) {
        if (e instanceof UnknownHostException) {
            return "unknown host";
        }
        if (e instanceof SocketTimeoutException) {
            return "connection timed out";
        }
        if (e instanceof NoRouteToHostException) {
            return "no route to host";
        }
        String message = e.getMessage() == null ? "" : e.getMessage();
        String lower = message.toLowerCase(Locale.ROOT);
        if (e instanceof ConnectException || lower.contains("connection refused")) {
            return "connection refused";
        }
        if (lower.contains("no such file")) {
            return "no such socket";
        }
        if (lower.contains("permission denied") || lower.contains("access denied")) {
            return "permission denied";
        }
        if (e instanceof SocketException && !message.isEmpty()) {
            return lower;
        }
        return message.isEmpty() ? e.getClass().getSimpleName() : lower;
    }

    /**
     * Sends one request and reads the response head; the returned response owns this connection.
     *
     * @param method      {@code GET} or {@code POST}
     * @param target      origin-form request target, already URL-encoded ({@code /v1/events?follow=true})
     * @param contentType the body's media type, or {@code null} without body
     * @param body        the body, or {@code null}
     */
    HttpResponse exchange(String method, String target, String contentType, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder(256);
        head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(address.hostHeader()).append("\r\n");
        head.append("User-Agent: berth-cli/").append(BerthVersion.get()).append("\r\n");
        head.append("Accept: application/json, application/x-ndjson\r\n");
        head.append("Connection: close\r\n");
        if (body != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
            head.append("Content-Length: ").append(body.length).append("\r\n");
        } else if (!method.equals("GET") && !method.equals("HEAD")) {
            head.append("Content-Length: 0\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            out.write(body);
        }
        out.flush();
        return readResponse(method);
    }

    private HttpResponse readResponse(String method) throws IOException {
        while (true) {
            String statusLine = HttpResponse.readAsciiLine(in, MAX_HEADER_LINE);
            if (statusLine == null) {
                throw new IOException("the daemon closed the connection without answering");
            }
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("malformed answer from the daemon: status line '" + statusLine + "'");
            }
            int status;
            try {
                status = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IOException("malformed answer from the daemon: status line '" + statusLine + "'");
            }
            Map<String, List<String>> headers = readHeaders();
            if (status >= 100 && status < 200) {
                continue;   // 100 Continue and other interim answers precede the real one.
            }
            String reason = parts.length > 2 ? parts[2] : "";
            return new HttpResponse(status, reason, headers, body(method, status, headers), this);
        }
    }

    private Map<String, List<String>> readHeaders() throws IOException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int count = 0; ; count++) {
            String line = HttpResponse.readAsciiLine(in, MAX_HEADER_LINE);
            if (line == null) {
                throw new IOException("the daemon closed the connection in the middle of the response headers");
            }
            if (line.isEmpty()) {
                return headers;
            }
            if (count >= MAX_HEADERS) {
                throw new IOException("malformed answer from the daemon: more than " + MAX_HEADERS + " headers");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed answer from the daemon: header line '" + line + "'");
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            headers.computeIfAbsent(name, k -> new ArrayList<>()).add(line.substring(colon + 1).trim());
        }
    }

    private InputStream body(String method, int status, Map<String, List<String>> headers) throws IOException {
        if (method.equals("HEAD") || status == 204 || status == 304) {
            return InputStream.nullInputStream();
        }
        List<String> encodings = headers.getOrDefault("transfer-encoding", List.of());
        for (String encoding : encodings) {
            if (encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
                return new ChunkedInputStream(in);
            }
        }
        List<String> lengths = headers.get("content-length");
        if (lengths != null && !lengths.isEmpty()) {
            try {
                long length = Long.parseLong(lengths.get(0).trim());
                if (length < 0) {
                    throw new NumberFormatException();
                }
                return new FixedLengthInputStream(in, length);
            } catch (NumberFormatException e) {
                throw new IOException("malformed answer from the daemon: Content-Length '" + lengths.get(0) + "'");
            }
        }
        return in;   // Until the daemon closes the connection.
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static void closeQuietly(Closeable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (IOException e) {
                // Already failing; the connect error is what gets reported.
            }
        }
    }
}
