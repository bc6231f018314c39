package dev.berth.apiserver.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a container log file in pieces while it grows. */
class LogReaderTest {
    @TempDir
    Path folder;

    private static String entry(int second, String text) {
        return "{\"time\":\"2026-11-29T10:00:" + String.format("%02d", second) + ".5Z\",\"stream\":\"stdout\",\"log\":\""
                + text + "\\n\"}";
    }

    private void append(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void missingFileReadsAsEmpty() throws Exception {
        LogReader reader = new LogReader(folder.resolve("absent.log"), null);
        assertEquals(new LogReader.Chunk(List.of(), true), reader.next());
        assertEquals(List.of(), reader.tail(5));
    }

    @Test
    void aLineBeingWrittenWaitsForItsNewline() throws Exception {
        Path file = folder.resolve("c.log");
        append(file, entry(1, "a") + "\n" + entry(2, "b").substring(0, 10));
        LogReader reader = new LogReader(file, null);

        assertEquals(new LogReader.Chunk(List.of(entry(1, "a")), true), reader.next());
        assertEquals(new LogReader.Chunk(List.of(), true), reader.next());
        append(file, entry(2, "b").substring(10) + "\n");
        assertEquals(new LogReader.Chunk(List.of(entry(2, "b")), true), reader.next());
    }

    @Test
    void sinceLeavesOutOlderEntriesAndTailKeepsTheLastOnes() throws Exception {
        Path file = folder.resolve("c.log");
        StringBuilder text = new StringBuilder();
        for (int second = 0; second < 10; second++) {
            text.append(entry(second, "line " + second)).append('\n');
        }
        append(file, text.toString());

        LogReader since = new LogReader(file, Instant.parse("2026-11-29T10:00:07Z"));
        assertEquals(List.of(entry(7, "line 7"), entry(8, "line 8"), entry(9, "line 9")), since.tail(100));
        assertEquals(List.of(entry(8, "line 8"), entry(9, "line 9")), new LogReader(file, null).tail(2));
        assertEquals(List.of(), new LogReader(file, null).tail(0));
        LogReader tailed = new LogReader(file, null);
        tailed.tail(1);
        append(file, entry(10, "new") + "\n");
        assertEquals(List.of(entry(10, "new")), tailed.next().lines(), "reading goes on after the tail");
    }

    @Test
    void aBigFileComesInChunks() throws Exception {
        Path file = folder.resolve("c.log");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            text.append(entry(i % 60, "x".repeat(40))).append('\n');
        }
        append(file, text.toString());
        LogReader reader = new LogReader(file, null);
        List<String> all = new ArrayList<>();
        int chunks = 0;
        LogReader.Chunk chunk;
        do {
            chunk = reader.next();
            all.addAll(chunk.lines());
            chunks++;
        } while (!chunk.endOfFile());
        assertEquals(5000, all.size());
        assertTrue(chunks > 1, "one chunk for " + text.length() + " bytes");
        assertEquals(Files.size(file), reader.offset());
    }

    @Test
    void anOverlongLineIsSkippedAndTheNextOneRead() throws Exception {
        Path file = folder.resolve("c.log");
        append(file, "{\"log\":\"" + "y".repeat(LogReader.MAX_LINE + 10) + "\"}\n" + entry(1, "after") + "\n");
        LogReader reader = new LogReader(file, null);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            lines.addAll(reader.next().lines());
        }
        assertEquals(List.of(entry(1, "after")), lines);
    }

    @Test
    void aTruncatedFileIsReadFromItsStart() throws Exception {
        Path file = folder.resolve("c.log");
        append(file, entry(1, "first") + "\n" + entry(2, "second") + "\n");
        LogReader reader = new LogReader(file, null);
        assertEquals(2, reader.next().lines().size());
        Files.writeString(file, entry(3, "x") + "\n");
        LogReader.Chunk chunk = reader.next();
        assertEquals(List.of(entry(3, "x")), chunk.lines());
        assertFalse(chunk.lines().isEmpty());
    }
}
