package dev.berth.plugin.pull.impl;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registry of a few fixed answers from memory on 127.0.0.1 and a free port, for {@link PullWarmUp} only: a GET
 * of a path it holds gets 200 with those bytes, anything else 404. HTTP/1.1 with keep-alive, one connection at
 * a time; it reads request heads (up to 16 KiB) and nothing else. {@link #close} stops it and closes the
 * connection it serves. Thread-safe.
 */
final class LoopbackRegistry implements AutoCloseable {
    private static final int MAX_HEAD = 16 << 10;
    /** CR LF CR LF as four bytes of an int: the empty line that ends a request head. */
    private static final int END_OF_HEAD = 0x0d0a0d0a;

    /** One answer: its {@code Content-Type} and body. */
    record Answer(String contentType, byte[] body) {
    }

    private final ServerSocket server;
    private final Map<String, Answer> answers;
    private final AtomicInteger served = new AtomicInteger();
    private final Thread thread;
    private volatile Socket current;

    private LoopbackRegistry(ServerSocket server, Map<String, Answer> answers) {
        this.server = server;
        this.answers = Map.copyOf(answers);
        this.thread = new Thread(this::acceptLoop, "berth-pull-warm-up-registry");
        thread.setDaemon(true);
    }

    /** Listens on 127.0.0.1 and a free port, answering GETs of the paths in {@code answers}. */
    static LoopbackRegistry start(Map<String, Answer> answers) throws IOException {
        LoopbackRegistry registry = new LoopbackRegistry(new ServerSocket(0, 4, InetAddress.getLoopbackAddress()),
                answers);
        registry.thread.start();
        return registry;
    }

    /** {@code 127.0.0.1:PORT}: the registry's name in an image reference. */
    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** How many requests it has answered. */
    int served() {
        return served.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                current = socket;
                socket.setSoTimeout(10_000);
                serve(socket);
            } catch (IOException e) {
                // A closed server or a client gone: the next accept says which.
            } finally {
                current = null;
            }
        }
    }

    private void serve(Socket socket) throws IOException {
        InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = new BufferedOutputStream(socket.getOutputStream());
        for (String head = readHead(in); head != null; head = readHead(in)) {
            String[] requestLine = head.substring(0, Math.max(0, head.indexOf("\r\n"))).split(" ");
            Answer answer = requestLine.length == 3 && requestLine[0].equals("GET") ? answers.get(requestLine[1]) : null;
            byte[] body = answer == null ? new byte[0] : answer.body();
            String status = answer == null ? "404 Not Found" : "200 OK";
            String type = answer == null ? "" : "Content-Type: " + answer.contentType() + "\r\n";
            out.write(("HTTP/1.1 " + status + "\r\n" + type + "Content-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            served.incrementAndGet();
        }
    }

    /** One request head up to and including its empty line, or null at the end of the connection. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0; // the last four bytes read, so the end of the head is seen without copying it each time
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            last4 = (last4 << 8) | c;
            if (last4 == END_OF_HEAD) {
                return head.toString(StandardCharsets.US_ASCII);
            }
            if (head.size() > MAX_HEAD) {
                throw new IOException("request head longer than " + MAX_HEAD + " bytes");
            }
        }
        return null;
    }

    @Override
    public void close() {
        try {
            server.close();
            Socket socket = current;
            if (socket != null) {
                socket.close();
            }
            thread.join(5_000);
        } catch (IOException e) {
            // Closing is all that is left to do.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
