package dev.berth.apiserver.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a container log file in pieces while it grows. */
class LogFileReaderTest {
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
        LogFileReader<String> reader = new LogFileReader<>(folder.resolve("absent.log"), line -> line);
        assertEquals(new LogFileReader.Chunk<>(List.of(), true), reader.next());
        assertEquals(List.of(), reader.tail(5));
    }

    @Test
    void aLineBeingWrittenWaitsForItsNewline() throws Exception {
        Path file = folder.resolve("c.log");
        append(file, entry(1, "a") + "\n" + entry(2, "b").substring(0, 10));
        LogFileReader<String> reader = new LogFileReader<>(file, line -> line);

        assertEquals(new LogFileReader.Chunk<>(List.of(entry(1, "a")), true), reader.next());
        assertEquals(new LogFileReader.Chunk<>(List.of(), true), reader.next());
        append(file, entry(2, "b").substring(10) + "\n");
        assertEquals(new LogFileReader.Chunk<>(List.of(entry(2, "b")), true), reader.next());
    }

    @Test
    void theEntryFunctionMapsAndDropsLinesAndTailKeepsTheLastEntries() throws Exception {
        Path file = folder.resolve("c.log");
        StringBuilder text = new StringBuilder();
        for (int second = 0; second < 10; second++) {
            text.append(entry(second, "line " + second)).append('\n');
        }
        append(file, text.append("   \n\n").toString());

        LogFileReader<Integer> even = new LogFileReader<>(file, line -> {
            if (line.isBlank()) {
                return null;
            }
            int second = Integer.parseInt(line.substring(line.indexOf(":00:") + 4, line.indexOf(":00:") + 6));
            return second % 2 == 0 ? second : null;
        });
        assertEquals(List.of(4, 6, 8), even.tail(3), "tail counts the entries kept, not the lines");
        List<String> seen = new ArrayList<>();
        new LogFileReader<>(file, line -> seen.add(line) ? line : null).tail(100);
        assertEquals(11, seen.size(), "empty lines are dropped before the entry function, blank ones are not");
        assertEquals(List.of(entry(8, "line 8"), entry(9, "line 9")),
                new LogFileReader<>(file, line -> line.isBlank() ? null : line).tail(2));
        assertEquals(List.of(), new LogFileReader<>(file, line -> line).tail(0));
        LogFileReader<String> tailed = new LogFileReader<>(file, line -> line);
        tailed.tail(1);
        append(file, entry(10, "new") + "\n");
        assertEquals(List.of(entry(10, "new")), tailed.next().entries(), "reading goes on after the tail");
    }

    @Test
    void aBigFileComesInChunks() throws Exception {
        Path file = folder.resolve("c.log");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            text.append(entry(i % 60, "x".repeat(40))).append('\n');
        }
        append(file, text.toString());
        LogFileReader<String> reader = new LogFileReader<>(file, line -> line);
        List<String> all = new ArrayList<>();
        int chunks = 0;
        LogFileReader.Chunk<String> chunk;
        do {
            chunk = reader.next();
            all.addAll(chunk.entries());
            chunks++;
        } while (!chunk.endOfFile());
        assertEquals(5000, all.size());
        assertTrue(chunks > 1, "one chunk for " + text.length() + " bytes");
        assertEquals(Files.size(file), reader.offset());
    }

    @Test
    void anOverlongLineIsSkippedAndTheNextOneRead() throws Exception {
        Path file = folder.resolve("c.log");
        append(file, "{\"log\":\"" + "y".repeat(LogFileReader.MAX_LINE + 10) + "\"}\n" + entry(1, "after") + "\n");
        LogFileReader<String> reader = new LogFileReader<>(file, line -> line);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            lines.addAll(reader.next().entries());
        }
        assertEquals(List.of(entry(1, "after")), lines);
    }

    @Test
    void aTruncatedFileIsReadFromItsStart() throws Exception {
        Path file = folder.resolve("c.log");
        append(file, entry(1, "first") + "\n" + entry(2, "second") + "\n");
        LogFileReader<String> reader = new LogFileReader<>(file, line -> line);
        assertEquals(2, reader.next().entries().size());
        Files.writeString(file, entry(3, "x") + "\n");
        LogFileReader.Chunk<String> chunk = reader.next();
        assertEquals(List.of(entry(3, "x")), chunk.entries());
        assertFalse(chunk.entries().isEmpty());
    }
}
