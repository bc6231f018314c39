package dev.berth.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code berth history}, {@code --at} and {@code berth audit export|replay|archive} against {@link FakeDaemon}:
 * the request each sends (parameters encoded), how answers are printed, and usage errors caught before any
 * request. The real engine behind them is tested end to end in the itests' AuditIT.
 */
class AuditCommandsTest {
    private static final String HISTORY = """
            {"kind":"container","id":"%s","name":"web","head":12,"otherContainersNamed":["old"],"events":[
             {"sequence":3,"time":"2026-11-29T01:00:00Z","type":"image.pulled","lines":["pulled x as sha256:1"],
              "archive":"/r/events/archive/segment-00000000000000000001.log.gz"},
             {"sequence":7,"time":"2026-11-29T01:00:01Z","type":"spec.generated","lines":["spec sha256:2",
              "  capabilities 1.0 set /process/capabilities = x: why"],"archive":null}]}""".formatted("a".repeat(64));

    @TempDir
    Path folder;

    private final CapturedOutput out = new CapturedOutput();
    private final CapturedOutput err = new CapturedOutput();

    private int berth(String... args) {
        return Cli.run(List.of(args), Map.of(), out.stream(), err.stream());
    }

    @Test
    void historyAsksForTheEncodedTargetAndPrintsOneLinePerEventWithDetailsAndArchives() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> FakeDaemon.respond(stream, 200, "OK",
                "application/json", HISTORY))) {
            int code = berth("-H", daemon.uri(), "history", "127.0.0.1:5000/busybox:latest");
            assertEquals("GET /v1/history?target=127.0.0.1%3A5000%2Fbusybox%3Alatest&payload=false HTTP/1.1",
                    daemon.request().requestLine());
            assertEquals(0, code, err.text());
            List<String> lines = out.text().lines().toList();
            assertEquals("container web (" + "a".repeat(64) + "): 2 events", lines.get(0));
            assertTrue(lines.get(1).startsWith("#3  2026-11-29T01:00:00Z") && lines.get(1).contains("image.pulled")
                    && lines.get(1).endsWith("[archived in /r/events/archive/segment-00000000000000000001.log.gz]"),
                    lines.get(1));
            assertTrue(lines.get(3).strip().equals("capabilities 1.0 set /process/capabilities = x: why"), lines.get(3));
            assertTrue(lines.get(3).startsWith("   "), "details are indented: " + lines.get(3));
            assertTrue(out.text().contains("earlier containers with this name: 1"), out.text());
        }
    }

    @Test
    void psAtAsksForThePastAndSaysWhichStateItShows() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> FakeDaemon.respond(stream, 200, "OK",
                "application/json", "{\"sequence\":40,\"time\":\"2026-11-29T01:00:00Z\",\"checkpoint\":25,"
                        + "\"replayed\":15,\"millis\":3,\"containers\":[{\"id\":\"" + "b".repeat(64) + "\","
                        + "\"name\":\"then\",\"image\":\"busybox\",\"command\":[\"sleep\",\"9\"],"
                        + "\"created\":\"2026-11-29T00:59:00Z\",\"status\":\"running\","
                        + "\"startedAt\":\"2026-11-29T00:59:30Z\"}]}"))) {
            int code = berth("-H", daemon.uri(), "ps", "-a", "--at", "2026-11-29T01:00:00+01:00");
            assertEquals("GET /v1/audit/at?what=ps&at=2026-11-29T01%3A00%3A00%2B01%3A00&all=1 HTTP/1.1",
                    daemon.request().requestLine());
            assertEquals(0, code, err.text());
            assertTrue(out.text().contains("then") && out.text().contains("Up 30 seconds"),
                    "times relative to that moment: " + out.text());
            assertTrue(err.text().contains("state at #40 (2026-11-29T01:00:00Z), rebuilt from checkpoint #25 and 15 records"),
                    err.text());
        }
    }

    @Test
    void exportSendsAnAbsolutePathAndTheRange() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> FakeDaemon.respond(stream, 200, "OK",
                "application/json", "{\"file\":\"/x\",\"firstSequence\":5,\"lastSequence\":9,\"records\":5,"
                        + "\"anchor\":\"" + "0".repeat(64) + "\",\"lastHash\":\"" + "c".repeat(64) + "\",\"bytes\":700}"))) {
            int code = berth("-H", daemon.uri(), "audit", "export", "--since", "#5", "--until", "10m", "-o", "rel.log");
            String expected = "POST /v1/audit/export?file=" + ContainerPaths.encode(Path.of("rel.log").toAbsolutePath()
                    .normalize().toString()) + "&since=%235&until=10m HTTP/1.1";
            assertEquals(expected, daemon.request().requestLine());
            assertEquals(0, code, err.text());
            assertTrue(out.text().contains("exported records #5 to #9 (5 records, 700 bytes)"), out.text());
            assertTrue(out.text().contains("chain head: #9 " + "c".repeat(64)), out.text());
        }
    }

    @Test
    void replayThatDiffersExitsOneAndNamesWhere() throws Exception {
        try (FakeDaemon daemon = new FakeDaemon(folder, (request, stream) -> FakeDaemon.respond(stream, 200, "OK",
                "application/json", "{\"sequence\":9,\"records\":9,\"millis\":1,\"matches\":false,\"differences\":"
                        + "[{\"projection\":\"containers\",\"path\":\"/containers/0/status\"}]}"))) {
            int code = berth("-H", daemon.uri(), "audit", "replay");
            assertEquals("POST /v1/audit/replay HTTP/1.1", daemon.request().requestLine());
            assertEquals(1, code);
            assertTrue(out.text().contains("DIFFERS"), out.text());
            assertTrue(err.text().contains("containers differs at /containers/0/status"), err.text());
        }
    }

    /** Arguments refused before any request, and the words the message must contain. */
    record Usage(String name, List<String> args, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Usage> usageErrors() {
        return Stream.of(
                new Usage("HistoryOfNothing", List.of("history"), "missing CONTAINER, IMAGE or PLUGIN"),
                new Usage("HistoryOfTwo", List.of("history", "a", "b"), "give one"),
                new Usage("AuditAlone", List.of("audit"), "missing subcommand"),
                new Usage("ExportWithoutOutput", List.of("audit", "export", "--since", "1"), "-o FILE"),
                new Usage("ArchiveWithoutBefore", List.of("audit", "archive"), "--before"),
                new Usage("VerifyFromAndFile", List.of("audit", "verify", "--from", "2", "--file", "/x"),
                        "--from and --file"),
                new Usage("PsAtWithNs", List.of("ps", "--ns", "--at", "5"), "--ns"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("usageErrors")
    void badArgumentsAreRefusedBeforeAnyRequest(Usage usage) {
        // No daemon at this address: a request would fail with "cannot reach", not the usage message.
        List<String> args = new java.util.ArrayList<>(List.of("-H", "unix://" + folder.resolve("none.sock")));
        args.addAll(usage.args());
        int code = berth(args.toArray(String[]::new));
        assertEquals(2, code, usage.name() + ": " + err.text());
        assertTrue(err.text().contains(usage.expected()), usage.name() + ": " + err.text());
    }
}
