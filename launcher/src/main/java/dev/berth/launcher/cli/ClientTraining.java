package dev.berth.launcher.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Build-time helper: runs every client command once against canned answers on a temporary Unix socket, so
 * that a class-data-sharing archive dumped when this JVM exits ({@code -XX:ArchiveClassesAtExit}) holds the
 * classes the CLI loads. The build writes {@code lib/client.jsa} this way; {@code bin/berth} uses it when it
 * matches the JVM and silently ignores it otherwise. Not part of the CLI.
 */
public final class ClientTraining {

    private static final String VERSION = "{\"version\":\"0\",\"apiVersion\":\"1\",\"java\":\"17\",\"os\":\"Linux\","
            + "\"arch\":\"amd64\",\"kernel\":\"6\"}";
    private static final String INFO = "{\"berthVersion\":\"0\",\"kernel\":\"6\",\"os\":\"Linux\","
            + "\"cgroup\":{\"mode\":\"v2\",\"unifiedMount\":\"/sys/fs/cgroup\",\"unifiedControllers\":[\"cpu\"]},"
            + "\"overlayfs\":{\"supported\":true},\"selinux\":{\"state\":\"disabled\"},"
            + "\"userNamespaces\":{\"supported\":true,\"max\":1},\"runtimes\":[{\"name\":\"runc\",\"path\":\"/x\","
            + "\"version\":\"1\",\"usable\":false,\"reason\":\"r\"}],\"root\":\"/r\",\"runDir\":\"/d\","
            + "\"api\":\"unix:///d/s\",\"pid\":1,\"startedAt\":\"2026-01-01T00:00:00Z\",\"eventLog\":{\"head\":"
            + "{\"sequence\":1,\"hash\":\"ab\",\"time\":\"2026-01-01T00:00:00Z\"},\"segments\":1,\"bytes\":2048},"
            + "\"bundles\":{\"total\":1,\"active\":1}}";
    private static final String PLUGINS = "{\"plugins\":[{\"bundleId\":1,\"id\":\"a\",\"version\":\"1\","
            + "\"state\":\"active\",\"kind\":\"engine\",\"location\":\"file:/a\"}]}";
    private static final String EVENT = "{\"sequence\":1,\"time\":\"2026-01-01T00:00:00Z\",\"timeNanos\":1,"
            + "\"type\":\"note.added\",\"version\":1,\"subject\":\"note\",\"payload\":{\"message\":\"m\"},"
            + "\"previousHash\":\"00\",\"hash\":\"ab\"}\n";

    private ClientTraining() {
    }

    /** Runs the commands; exits 0 even if one of them fails, as the archive is only an optimisation. */
    public static void main(String[] args) throws Exception {
        Path folder = Files.createTempDirectory("berth-client-training");
        Path socket = folder.resolve("berth.sock");
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread thread = new Thread(() -> serve(server), "berth-client-training");
            thread.setDaemon(true);
            thread.start();
            String host = "unix://" + socket;
            for (List<String> command : List.of(List.of("version"), List.of("info"), List.of("info", "--format",
                    "json"), List.of("plugins"), List.of("events", "--since", "1m", "--filter", "type=a", "-f"),
                    List.of("events", "--format", "json"), List.of("note", "--subject", "s", "m"),
                    List.of("events", "--help"), List.of("events", "--bogus"), List.of("ps", "-a", "--ns"),
                    List.of("ps", "-q"), List.of("inspect", "c"), List.of("logs", "-t", "c"), List.of("rm", "-f", "c"),
                    List.of("stop", "-t", "1", "c"), List.of("runtime", "ls"), List.of("run", "-d", "--rm", "-e", "A=1",
                    "busybox", "true"), List.of("exec", "--help"), List.of("run", "-v", "rel:/x", "busybox"))) {
                List<String> line = new ArrayList<>(List.of("-H", host));
                line.addAll(command);
                Cli.run(line, Map.of(), sink, sink);
            }
            Cli.run(List.of("-H", "unix://" + folder.resolve("missing.sock"), "info"), Map.of(), sink, sink);
            Cli.run(List.of("--help"), Map.of(), sink, sink);
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(folder);
        }
    }

    private static void serve(ServerSocketChannel server) {
        while (server.isOpen()) {
            try (SocketChannel channel = server.accept()) {
                InputStream in = Channels.newInputStream(channel);
                OutputStream out = Channels.newOutputStream(channel);
                String target = readRequest(in);
                if (target.startsWith("/v1/events")) {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked"
                            + "\r\n\r\n" + Integer.toHexString(EVENT.length()) + "\r\n" + EVENT + "\r\n0\r\n\r\n")
                            .getBytes(StandardCharsets.UTF_8));
                } else {
                    String body = target.startsWith("/v1/version") ? VERSION : target.startsWith("/v1/info") ? INFO
                            : target.startsWith("/v1/plugins") ? PLUGINS : "{\"sequence\":1,\"hash\":\"ab\"}";
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                            + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                }
                out.flush();
            } catch (IOException e) {
                return;   // Socket closed at the end of main.
            }
        }
    }

    /** Reads the request head and body; returns the request target. */
    private static String readRequest(InputStream in) throws IOException {
        String requestLine = null;
        int contentLength = 0;
        while (true) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                if (b != '\r') {
                    line.write(b);
                }
            }
            String text = line.toString(StandardCharsets.ISO_8859_1);
            if (b < 0 || text.isEmpty()) {
                break;
            }
            if (requestLine == null) {
                requestLine = text;
            } else if (text.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                contentLength = Integer.parseInt(text.substring("content-length:".length()).trim());
            }
        }
        in.readNBytes(contentLength);
        String[] parts = requestLine == null ? new String[0] : requestLine.split(" ");
        return parts.length > 1 ? parts[1] : "/";
    }
}
