package dev.berth.apiserver.impl;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a container's log file ({@code {"time","stream","log"}} per line) from where it left off, complete
 * lines only: a line still being written stays for the next read. A missing file reads as empty (the
 * container may not have written yet); a file that shrank is read again from its start. With a
 * {@code since} instant, entries whose time is before it are left out (lines without a readable time are
 * kept). Blocking: call it from a worker thread. Not thread-safe; one reader per stream, used by one
 * task at a time.
 */
final class LogReader {
    /** Bytes read per {@link #next()} at most, unless a single line is longer. */
    static final int CHUNK = 64 * 1024;
    /** The longest line passed on; longer ones are skipped. */
    static final int MAX_LINE = 1024 * 1024;

    /** Lines read by one call and whether the file had nothing complete left after them. */
    record Chunk(List<String> lines, boolean endOfFile) {
    }

    private final Path file;
    private final Instant since;
    private long offset;
    private boolean skipping;

    LogReader(Path file, Instant since) {
        this.file = file;
        this.since = since;
    }

    /** The byte offset after the last complete line read. */
    long offset() {
        return offset;
    }

    /** The next complete lines after the offset, at most about {@link #CHUNK} bytes of them. */
    Chunk next() throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < offset) {
                offset = 0;
                skipping = false;
            }
            long available = size - offset;
            if (available == 0) {
                return new Chunk(List.of(), true);
            }
            int want = (int) Math.min(available, CHUNK);
            byte[] bytes = read(channel, offset, want);
            int last = lastNewline(bytes, bytes.length);
            boolean readToEnd = want == available;
            if (last < 0 && !readToEnd) {
                // One line longer than a chunk: look further, up to MAX_LINE.
                bytes = read(channel, offset, (int) Math.min(available, MAX_LINE + 1L));
                last = firstNewline(bytes);
                if (last < 0 && bytes.length > MAX_LINE) {
                    offset += bytes.length;
                    skipping = true;
                    return new Chunk(List.of(), false);
                }
                readToEnd = false;
            }
            if (last < 0) {
                return new Chunk(List.of(), true);
            }
            List<String> lines = split(bytes, last);
            offset += last + 1;
            return new Chunk(lines, readToEnd || offset == size);
        } catch (NoSuchFileException e) {
            return new Chunk(List.of(), true);
        }
    }

    /** Reads to the end of the file and returns its last {@code count} lines (after the since filter). */
    List<String> tail(int count) throws IOException {
        ArrayDeque<String> last = new ArrayDeque<>();
        while (true) {
            Chunk chunk = next();
            for (String line : chunk.lines()) {
                if (count > 0) {
                    if (last.size() == count) {
                        last.removeFirst();
                    }
                    last.addLast(line);
                }
            }
            if (chunk.endOfFile()) {
                return new ArrayList<>(last);
            }
        }
    }

    private List<String> split(byte[] bytes, int end) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= end; i++) {
            if (bytes[i] == '\n') {
                if (skipping) {
                    skipping = false;
                } else if (i > start) {
                    String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
                    if (i - start <= MAX_LINE && wanted(line)) {
                        lines.add(line);
                    }
                }
                start = i + 1;
            }
        }
        return lines;
    }

    private boolean wanted(String line) {
        if (since == null) {
            return true;
        }
        try {
            Object time = new JsonObject(line).getValue("time");
            return !(time instanceof String text) || !OffsetDateTime.parse(text).toInstant().isBefore(since);
        } catch (DecodeException | ClassCastException | DateTimeParseException e) {
            return true;
        }
    }

    private static byte[] read(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                break;
            }
        }
        byte[] bytes = new byte[buffer.position()];
        buffer.flip().get(bytes);
        return bytes;
    }

    private static int lastNewline(byte[] bytes, int length) {
        for (int i = Math.min(length, bytes.length) - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static int firstNewline(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
