package dev.berth.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.launcher.BerthVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs CLI commands against {@link FakeDaemon} on a temporary Unix socket and checks requests and output. */
class CliFakeDaemonTest {

    private static final String EVENT_1 = "{\"sequence\":1,\"time\":\"2026-11-29T01:02:03.123456789Z\","
            + "\"timeNanos\":1795914123123456789,\"type\":\"engine.started\",\"version\":1,\"subject\":\"engine\","
            + "\"payload\":{\"pid\":42},\"previousHash\":\"00\",\"hash\":\"aa\"}";
    private static final String EVENT_2 = "{\"sequence\":2,\"time\":\"2026-11-29T01:02:04Z\",\"timeNanos\":1,"
            + "\"type\":\"plugin.started\",\"version\":1,\"subject\":\"dev.berth.engine\","
            + "\"payload\":{\"version\":\"0.1.0\"},\"previousHash\":\"aa\",\"hash\":\"bb\"}";

    @TempDir
    Path folder;

    private final CapturedOutput out = new CapturedOutput();
    private final CapturedOutput err = new CapturedOutput();

    private int berth(String... args) {
        return Cli.run(List.of(args), Map.of(), out.stream(), err.stream());
    }

    @Test
    void versionReadsContentLengthAnswerAndPrintsBothSections() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> FakeDaemon.respond(stream, 200, "OK",
                "application/json", "{\"version\":\"9.9.9\",\"apiVersion\":\"1\",\"java\":\"17.0.15\",\"os\":\"Linux\","
                        + "\"arch\":\"amd64\",\"kernel\":\"6.1.0-test\"}"))) {
            int code = berth("-H", daemon.uri(), "version");

            FakeDaemon.Request request = daemon.request();
            assertEquals("GET /v1/version HTTP/1.1", request.requestLine());
            assertEquals("localhost", request.header("Host"));
            assertEquals(0, code, err.text());
            String text = out.text();
            assertTrue(text.startsWith("Client:\n Version:      " + BerthVersion.get() + "\n"), text);
            assertTrue(text.contains("\nServer:\n Version:      9.9.9\n"), text);
            assertTrue(text.contains(" Kernel:       6.1.0-test\n"), text);
            assertTrue(text.contains(" OS/Arch:      Linux/amd64\n"), text);
            assertEquals("", err.text());
        }
    }

    @Test
    void eventsPrintsEachLineOfAChunkedStreamBeforeTheNextChunkIsSent() throws Exception {
        List<Boolean> firstLineSeenEarly = new ArrayList<>();
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> {
            stream.write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            FakeDaemon.chunk(stream, EVENT_1 + "\n");
            // The client must print event 1 now, while the stream is still open.
            firstLineSeenEarly.add(out.awaitLines(1, 5_000));
            // Event 2 split over two chunks, with a chunk extension, then the last chunk and a trailer.
            FakeDaemon.chunk(stream, EVENT_2.substring(0, 20));
            stream.write((Integer.toHexString(EVENT_2.length() - 20 + 1) + ";ext=1\r\n" + EVENT_2.substring(20)
                    + "\n\r\n").getBytes(StandardCharsets.UTF_8));
            stream.write("0\r\nX-Trailer: yes\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        })) {
            int code = berth("--host", daemon.uri(), "events", "--since", "10m", "--filter", "type=engine.started",
                    "--filter", "type=plugin.started", "--filter", "subject=engine");
            daemon.awaitDone();

            assertEquals(0, code, err.text());
            assertEquals(List.of(true), firstLineSeenEarly, "event 1 was not printed before the stream went on");
            assertEquals("GET /v1/events?since=10m&type=engine.started&type=plugin.started&subject=engine HTTP/1.1",
                    daemon.request().requestLine());
            assertEquals("2026-11-29T01:02:03.123456789Z #1 engine.started engine {\"pid\":42}\n"
                    + "2026-11-29T01:02:04Z #2 plugin.started dev.berth.engine {\"version\":\"0.1.0\"}\n", out.text());
        }
    }

    @Test
    void eventsFormatJsonPrintsTheRawLinesAndFollowReachesTheServer() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> {
            stream.write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            FakeDaemon.chunk(stream, EVENT_1 + "\n" + EVENT_2 + "\n");
            FakeDaemon.chunk(stream, "");
        })) {
            int code = berth("-H", daemon.uri(), "events", "-f", "--format", "json", "--since",
                    "2026-11-29T01:00:00+01:00");

            assertEquals(0, code, err.text());
            assertEquals("GET /v1/events?since=2026-11-29T01%3A00%3A00%2B01%3A00&follow=true HTTP/1.1",
                    daemon.request().requestLine());
            assertEquals(EVENT_1 + "\n" + EVENT_2 + "\n", out.text());
        }
    }

    @Test
    void anErrorLineEndingTheStreamIsReportedAndExitsOne() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> {
            stream.write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            FakeDaemon.chunk(stream, EVENT_1 + "\n{\"error\":\"events: event log corrupted at offset 9\"}\n");
            FakeDaemon.chunk(stream, "");
        })) {
            int code = berth("-H", daemon.uri(), "events");

            assertEquals(1, code, out.text());
            assertTrue(out.text().contains("#1 engine.started"), out.text());
            assertEquals("berth events: events: event log corrupted at offset 9\n", err.text());
        }
    }

    @Test
    void pullPrintsOneLinePerLayerStateThenTheDigest() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> {
            stream.write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            FakeDaemon.chunk(stream, "{\"id\":\"d36e3d2ea3bf\",\"status\":\"downloading\",\"current\":0,\"total\":2000000}\n"
                    + "{\"id\":\"d36e3d2ea3bf\",\"status\":\"downloading\",\"current\":1000000,\"total\":2000000}\n"
                    + "{\"id\":\"d36e3d2ea3bf\",\"status\":\"verified\",\"current\":2000000,\"total\":2000000}\n"
                    + "{\"reference\":\"127.0.0.1:5000/busybox:latest\",\"manifestDigest\":\"sha256:ab\",\"status\":\"done\"}\n");
            FakeDaemon.chunk(stream, "");
        })) {
            int code = berth("-H", daemon.uri(), "pull", "127.0.0.1:5000/busybox");

            assertEquals(0, code, err.text());
            assertTrue(daemon.request().requestLine().startsWith("POST /v1/images/pull "));
            List<String> lines = out.text().lines().toList();
            assertEquals(4, lines.size(), out.text());
            assertTrue(lines.get(0).startsWith("d36e3d2ea3bf: downloading 0 B/2.0 MB"), lines.get(0));
            assertTrue(lines.get(1).startsWith("d36e3d2ea3bf: verified 2.0 MB/2.0 MB"), lines.get(1));
            assertEquals("Pulled 127.0.0.1:5000/busybox:latest", lines.get(2));
            assertEquals("Digest: sha256:ab", lines.get(3));
        }
    }

    @Test
    void pullFailureInTheStreamExitsOneWithTheMessage() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> {
            stream.write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            FakeDaemon.chunk(stream, "{\"error\":\"pull x: blob sha256:ab: digest mismatch\"}\n");
            FakeDaemon.chunk(stream, "");
        })) {
            int code = berth("-H", daemon.uri(), "pull", "x");

            assertEquals(1, code);
            assertEquals("berth pull: pull x: blob sha256:ab: digest mismatch\n", err.text());
        }
    }

    @Test
    void errorAnswerPrintsTheDaemonsMessageAndExitsOne() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> FakeDaemon.respond(stream, 503,
                "Service Unavailable", "application/json",
                "{\"message\":\"event log stopped: disk full\",\"kind\":\"UNAVAILABLE\"}"))) {
            int code = berth("-H", daemon.uri(), "plugins");

            assertEquals(1, code);
            assertEquals("berth plugins: event log stopped: disk full\n", err.text());
            assertEquals("", out.text());
        }
    }

    @Test
    void errorAnswerWithoutJsonBodyStillNamesTheStatus() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> FakeDaemon.respond(stream, 500,
                "Internal Server Error", "text/plain", "boom\nsecond line"))) {
            int code = berth("-H", daemon.uri(), "info");

            assertEquals(1, code);
            assertEquals("berth info: HTTP 500 Internal Server Error: boom\n", err.text());
        }
    }

    @Test
    void noteSendsTheMessageAsJsonAndPrintsTheAcknowledgedSequence() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> FakeDaemon.respond(stream, 201,
                "Created", "application/json", "{\"sequence\":4711,\"hash\":\"ab12\"}"))) {
            int code = berth("-H", daemon.uri(), "note", "--subject", "ops", "disk \"swap\" done ✓");

            FakeDaemon.Request request = daemon.request();
            assertEquals(0, code, err.text());
            assertEquals("POST /v1/notes HTTP/1.1", request.requestLine());
            assertTrue(request.header("Content-Type").startsWith("application/json"));
            JsonNode body = new ObjectMapper().readTree(request.body());
            assertEquals("disk \"swap\" done ✓", body.path("message").asText());
            assertEquals("ops", body.path("subject").asText());
            assertEquals("4711\n", out.text());
        }
    }

    @Test
    void noteWithoutSubjectLeavesItToTheServer() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> FakeDaemon.respond(stream, 201,
                "Created", "application/json", "{\"sequence\":7,\"hash\":\"ab12\"}"))) {
            int code = berth("-H", daemon.uri(), "note", "hello");

            assertEquals(0, code, err.text());
            JsonNode body = new ObjectMapper().readTree(daemon.request().body());
            assertEquals("hello", body.path("message").asText());
            assertFalse(body.has("subject"));
            assertEquals("7\n", out.text());
        }
    }

    @Test
    void infoPrintsSectionsAndIgnoresFieldsItDoesNotKnow() throws Exception {
        String info = """
                {"berthVersion":"0.1.0-SNAPSHOT","kernel":"6.18.1","os":"Debian GNU/Linux 12 (bookworm)",
                 "cgroup":{"mode":"hybrid","unifiedMount":"/sys/fs/cgroup/unified","unifiedControllers":["hugetlb"],
                           "futureCgroupField":{"x":1}},
                 "overlayfs":{"supported":true},"selinux":{"state":"disabled"},
                 "userNamespaces":{"supported":true,"max":15000},
                 "runtimes":[{"name":"runc","path":"/usr/sbin/runc","version":"1.1.5","usable":true,"reason":null},
                             {"name":"crun","path":"/usr/bin/crun","version":"1.8.1","usable":false,
                              "reason":"cgroups in hybrid mode"}],
                 "root":"/var/lib/berth","runDir":"/run/berth","api":"unix:///run/berth/berth.sock","pid":123,
                 "startedAt":"2026-11-29T01:00:00Z",
                 "eventLog":{"head":{"sequence":12,"hash":"abcdef","time":"2026-11-29T01:02:03Z"},"segments":2,
                             "bytes":1536},
                 "bundles":{"total":30,"active":29},
                 "somethingNew":[1,2,3]}
                """;
        try (FakeDaemon daemon = new FakeDaemon(folder,
                (request, stream) -> FakeDaemon.respond(stream, 200, "OK", "application/json", info))) {
            int code = berth("-H", daemon.uri(), "info");

            assertEquals(0, code, err.text());
            assertEquals("GET /v1/info HTTP/1.1", daemon.request().requestLine());
            String text = out.text();
            for (String expected : List.of("Server:\n", " Bundles:     30 (29 active)\n",
                    " Chain head:  #12 abcdef at 2026-11-29T01:02:03Z\n", " Size:        1.5 KiB (1536 bytes)\n",
                    " Cgroup mode:            hybrid\n", " Cgroup v2 controllers:  hugetlb\n",
                    " SELinux:          disabled\n", " User namespaces:  supported (max 15000)\n",
                    " runc   1.1.5     /usr/sbin/runc   yes\n",
                    " crun   1.8.1     /usr/bin/crun    no: cgroups in hybrid mode\n")) {
                assertTrue(text.contains(expected), "missing '" + expected + "' in:\n" + text);
            }
        }
    }

    @Test
    void infoFormatJsonPrintsTheAnswerUnchanged() throws Exception {
        String body = "{\"berthVersion\":\"0.1.0\",\"extra\":true}";
        try (FakeDaemon daemon = new FakeDaemon(folder,
                (request, stream) -> FakeDaemon.respond(stream, 200, "OK", "application/json", body))) {
            assertEquals(0, berth("-H", daemon.uri(), "info", "--format", "json"), err.text());
            assertEquals(body + "\n", out.text());
        }
    }

    @Test
    void pluginsPrintsATableOfPluginsAndWithAllEveryBundle() throws Exception {
        String body = "{\"plugins\":[{\"bundleId\":27,\"id\":\"dev.berth.engine\",\"version\":\"0.1.0.2026\","
                + "\"state\":\"active\",\"kind\":\"engine\",\"builtin\":true,\"location\":\"file:/x\"},"
                + "{\"bundleId\":3,\"id\":\"crun\",\"version\":\"1.0.0\",\"state\":\"active\",\"kind\":\"runtime\","
                + "\"builtin\":true,\"provides\":[\"runtime crun\"],\"serves\":[\"run (default runtime)\"]},"
                + "{\"bundleId\":50,\"id\":\"faulty\",\"version\":\"2.0.0\",\"state\":\"active\",\"kind\":\"stage\","
                + "\"builtin\":false,\"provides\":[\"stage pull\"],\"serves\":[],\"failure\":\"pull stage: boom\"}]}";
        try (FakeDaemon daemon = new FakeDaemon(folder,
                (request, stream) -> FakeDaemon.respond(stream, 200, "OK", "application/json", body))) {
            assertEquals(0, berth("-H", daemon.uri(), "plugins"), err.text());
            assertEquals("""
                    ID       KIND      VERSION   STATE             PROVIDES       SERVES
                    crun     runtime   1.0.0     active            runtime crun   run (default runtime)
                    faulty   stage     2.0.0     active (failed)   stage pull     -

                    Failures (the last one logged for each plugin):
                      faulty: pull stage: boom
                    """, out.text());
        }
        try (FakeDaemon daemon = new FakeDaemon(folder,
                (request, stream) -> FakeDaemon.respond(stream, 200, "OK", "application/json", body))) {
            assertEquals(0, berth("-H", daemon.uri(), "plugins", "-a"), err.text());
            assertTrue(out.text().contains("dev.berth.engine   engine"), out.text());
        }
    }

    @Test
    void connectionLostInTheMiddleOfABodyIsReportedAsUnreachable() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> {
            stream.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"plug".getBytes(StandardCharsets.US_ASCII));
        })) {
            int code = berth("-H", daemon.uri(), "plugins");

            assertEquals(3, code);
            String message = err.text();
            assertTrue(message.startsWith("berth plugins: lost the connection to the berth daemon at " + daemon.uri()),
                    message);
            assertEquals(1, message.lines().count(), message);
        }
    }

    @Test
    void successWithoutSequenceIsAnUnreadableAnswer() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> FakeDaemon.respond(stream, 201,
                "Created", "application/json", "{\"hash\":\"ab\"}"))) {
            assertEquals(1, berth("-H", daemon.uri(), "note", "x"));
            assertTrue(err.text().startsWith("berth note: unreadable answer from the daemon"), err.text());
        }
    }

    @Test
    void responseLineReaderKeepsUtf8AndDropsCarriageReturns() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> FakeDaemon.respond(stream, 200, "OK",
                "application/x-ndjson", "ä€\r\nlast-without-newline"))) {
            DaemonClient client = new DaemonClient(DaemonAddress.parse(daemon.uri()));
            try (HttpResponse response = client.get("/v1/events")) {
                assertEquals("ä€", response.readLine());
                assertEquals("last-without-newline", response.readLine());
                assertNull(response.readLine());
            }
        }
    }
}
