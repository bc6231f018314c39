package dev.berth.eventlog.impl;

import dev.berth.api.event.ArchivedSegment;
import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;

/** Reads and damages segment files behind the log's back, for the recovery and corruption tests. Stateless. */
final class LogFiles {
    /** Where one record sits in a segment file. */
    record Frame(long offset, int length) {
        long end() {
            return offset + length;
        }
    }

    private LogFiles() {
    }

    static EventDraft note(String message) {
        StringBuilder json = new StringBuilder("{\"message\":");
        dev.berth.api.event.EnvelopeFormat.quote(json, message);
        return new EventDraft("note.added", 1, "note", json.append('}').toString());
    }

    /** Appends {@code count} notes and waits for each. */
    static List<EventRecord> appendNotes(SegmentedEventLog log, int count, String prefix) {
        List<EventRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(log.append(note(prefix + " " + i + " héllo ✓ 𝄞")).toCompletableFuture().join());
        }
        return records;
    }

    static List<EventRecord> readAll(SegmentedEventLog log, long from) {
        List<EventRecord> records = new ArrayList<>();
        try (var cursor = log.read(from)) {
            cursor.forEachRemaining(records::add);
        }
        return records;
    }

    /** Compares record lists element by element, with a short message naming the first difference. */
    static void assertSameRecords(List<EventRecord> expected, List<EventRecord> actual) {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            if (!expected.get(i).equals(actual.get(i))) {
                throw new AssertionError("record " + i + " differs: expected " + expected.get(i) + " but was "
                        + actual.get(i));
            }
        }
        if (expected.size() != actual.size()) {
            throw new AssertionError("expected " + expected.size() + " records but got " + actual.size());
        }
    }

    /** The segment files of {@code dir} in sequence order. */
    static List<Path> segments(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("segment-")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The record frames of a well-formed segment file, found by following the length fields. */
    static List<Frame> frames(Path segment) throws IOException {
        byte[] bytes = Files.readAllBytes(segment);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        List<Frame> frames = new ArrayList<>();
        int at = SegmentFormat.HEADER_BYTES;
        while (at + SegmentFormat.FRAME_BYTES <= bytes.length) {
            int length = SegmentFormat.FRAME_BYTES + b.getInt(at);
            frames.add(new Frame(at, length));
            at += length;
        }
        if (at != bytes.length) {
            throw new IllegalStateException(segment + " does not end on a record boundary");
        }
        return frames;
    }

    static void flip(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, offset);
            one.put(0, (byte) (one.get(0) ^ 0xFF)).rewind();
            ch.write(one, offset);
        }
    }

    static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    static void appendBytes(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes, StandardOpenOption.APPEND);
    }

    static void overwrite(Path file, long offset, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), offset);
        }
    }

    /**
     * Lets {@code edit} change the body of the record at {@code frame} (same length) and rewrites both
     * CRCs, so only the checks above the framing can notice.
     */
    static void rewriteBody(Path file, Frame frame, Consumer<ByteBuffer> edit) throws IOException {
        byte[] record = new byte[frame.length()];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.read(ByteBuffer.wrap(record), frame.offset());
            ByteBuffer body = ByteBuffer.wrap(record, SegmentFormat.FRAME_BYTES,
                    record.length - SegmentFormat.FRAME_BYTES).slice();
            edit.accept(body);
            CRC32C crc = new CRC32C();
            crc.update(record, SegmentFormat.FRAME_BYTES, record.length - SegmentFormat.FRAME_BYTES);
            ByteBuffer.wrap(record).putInt(8, (int) crc.getValue());
            ch.write(ByteBuffer.wrap(record), frame.offset());
        }
    }

    /** Rewrites a frame's body length field together with a matching length CRC. */
    static void rewriteLength(Path file, Frame frame, int bodyLength) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(8);
        head.putInt(bodyLength).putInt(SegmentFormat.lengthCrc(new CRC32C(), bodyLength));
        overwrite(file, frame.offset(), head.array());
    }

    /** The sequence field of the record at {@code frame} in {@code bytes} (a whole segment or export file). */
    static long sequenceOf(byte[] bytes, Frame frame) {
        return ByteBuffer.wrap(bytes).getLong((int) frame.offset() + SegmentFormat.FRAME_BYTES);
    }

    /** The decompressed content of a gzip file. */
    static byte[] gunzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return in.readAllBytes();
        }
    }

    /**
     * Decompresses the archive {@code gz}, lets {@code edit} change the segment bytes, and compresses the
     * result back under the same archive header: what a careful forger would do.
     */
    static void rewriteArchive(Path gz, UnaryOperator<byte[]> edit) throws Exception {
        ArchivedSegment summary = ArchiveFormat.describe(gz);
        byte[] edited = edit.apply(gunzip(gz));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ArchiveFormat.write(summary, new ByteArrayInputStream(edited), out);
        Files.write(gz, out.toByteArray());
    }

    /** The files directly in {@code dir} with their contents, to show that something changed nothing. */
    static java.util.Map<String, byte[]> contents(Path dir) throws IOException {
        java.util.Map<String, byte[]> files = new java.util.TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path f : list.toList()) {
                if (Files.isRegularFile(f)) {
                    files.put(f.getFileName().toString(), Files.readAllBytes(f));
                }
            }
        }
        return files;
    }

    static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
