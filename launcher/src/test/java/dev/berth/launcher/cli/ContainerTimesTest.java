package dev.berth.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CREATED, STATUS and COMMAND columns of {@code berth ps}, in Docker's words. */
class ContainerTimesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    @ParameterizedTest(name = "{0} s")
    @CsvSource(delimiter = '|', value = {
        "0 | Less than a second",
        "1 | 1 second",
        "59 | 59 seconds",
        "60 | About a minute",
        "119 | About a minute",
        "120 | 2 minutes",
        "3599 | 59 minutes",
        "3600 | About an hour",
        "5399 | About an hour",
        "5400 | 2 hours",
        "169200 | 47 hours",
        "172800 | 2 days",
        "1206000 | 13 days",
        "1209599 | 2 weeks",
        "1209600 | 2 weeks",
        "5184000 | 2 months",
        "63072000 | 2 years"})
    void humanDurations(long seconds, String expected) {
        assertEquals(expected, ContainerTimes.human(Duration.ofSeconds(seconds)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{\"status\":\"running\",\"startedAt\":\"2026-11-29T11:59:57Z\"} | Up 3 seconds",
        "{\"status\":\"running\",\"startedAt\":\"2026-11-29T10:00:00.5+00:00\"} | Up 2 hours",
        "{\"status\":\"exited\",\"exitCode\":3,\"finishedAt\":\"2026-11-29T11:59:55Z\"} | Exited (3) 5 seconds ago",
        "{\"status\":\"exited\",\"exitCode\":137,\"finishedAt\":null} | Exited (137)",
        "{\"status\":\"exited\",\"exitCode\":null} | Exited (?)",
        "{\"status\":\"created\",\"startedAt\":null} | Created",
        "{\"status\":\"paused\"} | Paused"})
    void statusColumn(String container, String expected) throws Exception {
        assertEquals(expected, ContainerTimes.status(JSON.readTree(container), NOW));
    }

    @Test
    void createdColumn() throws Exception {
        assertEquals("2 minutes ago", ContainerTimes.ago(JSON.readTree("\"2026-11-29T11:58:00Z\""), NOW));
        assertEquals("", ContainerTimes.ago(JSON.readTree("null"), NOW));
        assertEquals("", ContainerTimes.ago(JSON.readTree("\"yesterday\""), NOW));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "[\"sh\"] | true | \"sh\"",
        "[\"sh\",\"-c\",\"while true; do date; done\"] | true | \"sh -c while true; d…\"",
        "[\"sh\",\"-c\",\"while true; do date; done\"] | false | \"sh -c while true; do date; done\"",
        "[\"12345678901234567890\"] | true | \"12345678901234567890\"",
        "[\"123456789012345678901\"] | true | \"1234567890123456789…\"",
        "[\"echo\",\"a\\\"b\"] | true | \"echo a\\\"b\"",
        "[] | true | \"\""})
    void commandColumn(String words, boolean trunc, String expected) throws Exception {
        assertEquals(expected, PsCommand.command(JSON.readTree(words), trunc));
    }

    @Test
    void tableWithNamespaces() throws Exception {
        JsonNode answer = JSON.readTree("""
                {"containers":[{"id":"0123456789abcdef0123","name":"web","image":"busybox","command":["top"],
                  "created":"2026-11-29T11:00:00Z","status":"running","startedAt":"2026-11-29T11:59:00Z","pid":4242,
                  "namespaces":{"pid":4026532201,"net":4026532203,"mnt":4026532200,"uts":4026532198,"ipc":4026532199,
                  "cgroup":4026532204,"user":4026531837}},
                 {"id":"fedcba9876543210fedc","name":"old","image":"alpine","command":["true"],
                  "created":"2026-11-28T12:00:00Z","status":"exited","exitCode":0,"finishedAt":"2026-11-28T12:00:01Z",
                  "pid":0,"namespaces":null}]}""");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        PsCommand.table(answer, true, true, NOW).print(out);

        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(3, lines.length);
        assertEquals(List.of("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "NAMES", "PID", "CGROUPNS", "IPC",
                "MNT", "NET", "PIDNS", "USERNS", "UTS"), List.of(lines[0].split(" {3,}")));
        assertEquals(List.of("0123456789ab", "busybox", "\"top\"", "About an hour ago", "Up About a minute", "web",
                "4242", "4026532204", "4026532199", "4026532200", "4026532203", "4026532201", "4026531837",
                "4026532198"), List.of(lines[1].split(" {3,}")));
        assertEquals(List.of("fedcba987654", "alpine", "\"true\"", "24 hours ago", "Exited (0) 24 hours ago", "old",
                "-", "-", "-", "-", "-", "-", "-", "-"), List.of(lines[2].split(" {3,}")));
    }
}
