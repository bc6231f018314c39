package dev.berth.apiserver.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Berth's log format: the since filter, the line framing and the error line. */
class LogStreamTest {
    @TempDir
    Path logs;

    private static final String EARLY = "{\"time\":\"2026-11-29T10:00:06.9Z\",\"stream\":\"stdout\",\"log\":\"early\\n\"}";
    private static final String ON_TIME = "{\"time\":\"2026-11-29T10:00:07Z\",\"stream\":\"stdout\",\"log\":\"on time\\n\"}";
    private static final String LATE = "{\"time\":\"2026-11-29T12:00:00+01:00\",\"stream\":\"stderr\",\"log\":\"late\\n\"}";
    private static final String NO_TIME = "{\"log\":\"no time\"}";

    @Test
    void sinceLeavesOutOlderEntriesAndKeepsLinesWithoutATime() throws Exception {
        Path file = logs.resolve("c.log");
        Files.write(file, List.of(EARLY, ON_TIME, "not json", LATE, NO_TIME));

        assertEquals(List.of(ON_TIME, "not json", LATE, NO_TIME),
                LogStream.reader(file, Instant.parse("2026-11-29T10:00:07Z")).tail(100));
        assertEquals(List.of(EARLY, ON_TIME, "not json", LATE, NO_TIME), LogStream.reader(file, null).tail(100));
    }

    @Test
    void anEntryIsItsLineAndAFailureOneErrorLine() {
        assertEquals(NO_TIME + "\n", LogStream.FORMAT.entry(NO_TIME).toString());
        assertEquals("{\"error\":\"logs: read c.log: \\\"gone\\\"\"}\n",
                LogStream.FORMAT.failure(new IOException("read c.log: \"gone\"")).toString());
    }
}
