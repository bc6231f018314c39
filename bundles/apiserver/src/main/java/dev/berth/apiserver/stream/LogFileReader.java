package dev.berth.apiserver.stream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reads a container's log file (one JSON object {@code {"time","stream","log"}} per line, as its monitor writes
 * it) from where it left off, complete lines only: a line still being written stays for the next read. Each
 * line becomes an entry through the caller's function, which may drop it (return null); empty lines and lines
 * longer than {@value #MAX_LINE} bytes are dropped before it. A missing file reads as empty (the container may
 * not have written yet); a file that shrank is read again from its start. Blocking: call it from a worker
 * thread. Not thread-safe; one reader per stream, used by one task at a time.
 *
 * @param <T> what one line becomes
 */
public final class LogFileReader<T> {
    /** Bytes read per {@link #next()} at most, unless a single line is longer. */
    public static final int CHUNK = 64 * 1024;
    /** The longest line passed on; longer ones are skipped. */
    public static final int MAX_LINE = 1024 * 1024;

    /** The entries one call read and whether the file had nothing complete left after them. */
    public record Chunk<T>(List<T> entries, boolean endOfFile) {
        public Chunk {
            entries = List.copyOf(entries);
        }
    }

    private final Path file;
    private final Function<String, T> entry;
    private long offset;
    private boolean skipping;

    /** @param entry what one line (without its newline) becomes, or null to leave it out */
    public LogFileReader(Path file, Function<String, T> entry) {
        this.file = file;
        this.entry = entry;
    }

    /** The byte offset after the last complete line read. */
    public long offset() {
        return offset;
    }

    /** The entries of the next complete lines after the offset, at most about {@link #CHUNK} bytes of them. */
    public Chunk<T> next() throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < offset) {
                offset = 0;
                skipping = false;
            }
            long available = size - offset;
            if (available == 0) {
                return new Chunk<>(List.of(), true);
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
                    return new Chunk<>(List.of(), false);
                }
                readToEnd = false;
            }
            if (last < 0) {
                return new Chunk<>(List.of(), true);
            }
            List<T> entries = split(bytes, last);
            offset += last + 1;
            return new Chunk<>(entries, readToEnd || offset == size);
        } catch (NoSuchFileException e) {
            return new Chunk<>(List.of(), true);
        }
    }

    /** Reads to the end of the file and returns its last {@code count} entries (of the lines not left out). */
    public List<T> tail(int count) throws IOException {
        ArrayDeque<T> last = new ArrayDeque<>();
        while (true) {
            Chunk<T> chunk = next();
            for (T one : chunk.entries()) {
                if (count > 0) {
                    if (last.size() == count) {
                        last.removeFirst();
                    }
                    last.addLast(one);
                }
            }
            if (chunk.endOfFile()) {
                return new ArrayList<>(last);
            }
        }
    }

    private List<T> split(byte[] bytes, int end) {
        List<T> entries = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= end; i++) {
            if (bytes[i] == '\n') {
                if (skipping) {
                    skipping = false;
                } else if (i > start) {
                    String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
                    T one = i - start <= MAX_LINE ? entry.apply(line) : null;
                    if (one != null) {
                        entries.add(one);
                    }
                }
                start = i + 1;
            }
        }
        return entries;
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
