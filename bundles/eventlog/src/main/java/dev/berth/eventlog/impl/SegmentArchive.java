package dev.berth.eventlog.impl;

import static dev.berth.eventlog.impl.SegmentFormat.HASH_BYTES;
import static dev.berth.eventlog.impl.SegmentFormat.HEADER_BYTES;

import dev.berth.api.event.ArchivedSegment;
import dev.berth.api.event.ChainHash;
import dev.berth.api.event.LogCorruptedException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The archive directory of a log ({@value ArchiveFormat#DIRECTORY}/ inside it): copies a whole segment
 * there as gzip, and at open lists and checks what is there. Stateless; the log calls it only under its
 * directory lock and one archiving at a time.
 *
 * <p>Archiving one segment never leaves a record in neither place: the archive is written to a temporary
 * file, fsynced, read back and checked record by record against the live segment, renamed into place and
 * the directory fsynced; only then may the caller delete the live segment. A crash in between leaves the
 * segment live, plus at most a temporary file or a complete duplicate archive, both of which
 * {@link #load} hands back as leftovers to remove: the live copy wins.
 */
final class SegmentArchive {
    /**
     * What {@link #load} found: the archived segments, oldest first, and the files a crash left behind
     * (temporary files, archives whose segment is still live), to delete once the live segments check out.
     */
    record Loaded(List<Segment> segments, List<Path> leftovers) {
        Loaded {
            segments = List.copyOf(segments);
            leftovers = List.copyOf(leftovers);
        }

        /** The sequence the first live segment must start at. */
        long nextSequence() {
            return segments.isEmpty() ? 1 : segments.get(segments.size() - 1).archive().lastSequence() + 1;
        }

        /** The hash the first live segment's anchor must equal. */
        byte[] lastHash() {
            return segments.isEmpty() ? new byte[HASH_BYTES]
                    : segments.get(segments.size() - 1).archive().lastHash().bytes();
        }

        /** When the last archived record was appended, or 0. */
        long lastTimeNanos() {
            return segments.isEmpty() ? 0 : segments.get(segments.size() - 1).archive().lastTimeNanos();
        }
    }

    /** What reading a segment through found: its times and the hash of its last record. */
    private record Summary(long firstTimeNanos, long lastTimeNanos, ChainHash lastHash) {
    }

    private SegmentArchive() {
    }

    /**
     * Lists the archive of the log in {@code dir}, given the names of its live segment files, and checks
     * that the archives chain from record 1 on: contiguous sequences, each anchor equal to the previous
     * archive's last hash, each header agreeing with its file name. Decompresses only segment headers; the
     * records are checked by {@code verify}.
     */
    static Loaded load(Path dir, List<Path> liveFiles) throws IOException, LogCorruptedException {
        Path archiveDir = dir.resolve(ArchiveFormat.DIRECTORY);
        if (!Files.isDirectory(archiveDir)) {
            return new Loaded(List.of(), List.of());
        }
        Set<Long> live = new HashSet<>();
        for (Path file : liveFiles) {
            live.add(SegmentFormat.parseFileName(file.getFileName().toString()));
        }
        List<Path> files = new ArrayList<>();
        List<Path> leftovers = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(archiveDir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                long first = ArchiveFormat.parseFileName(name);
                if (ArchiveFormat.isPartFileName(name)) {
                    leftovers.add(entry);
                } else if (first >= 0 && Files.isRegularFile(entry)) {
                    // An archive whose live segment still exists: a crash came before the live one was removed.
                    (live.contains(first) ? leftovers : files).add(entry);
                }
            }
        }
        files.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        List<Segment> segments = new ArrayList<>();
        long expected = 1;
        byte[] hash = new byte[HASH_BYTES];
        for (Path file : files) {
            long first = ArchiveFormat.parseFileName(file.getFileName().toString());
            if (first != expected) {
                throw new LogCorruptedException(file, 0, "archived segment starts at sequence " + first
                        + ", expected " + expected + missing(archiveDir, expected, first));
            }
            ArchivedSegment archived;
            try {
                archived = ArchiveFormat.describe(file);
            } catch (Damage d) {
                throw d.toException();
            }
            if (!Arrays.equals(archived.anchor().bytes(), hash)) {
                throw new LogCorruptedException(file, 0, "segment anchor does not match the hash of sequence "
                        + (expected - 1));
            }
            segments.add(Segment.archived(file, archived));
            expected = archived.lastSequence() + 1;
            hash = archived.lastHash().bytes();
        }
        return new Loaded(segments, leftovers);
    }

    /**
     * Explains a gap: records {@code from} up to {@code to - 1} are neither live nor archived, and names the
     * archive file that would hold the first of them.
     */
    static String missing(Path archiveDir, long from, long to) {
        if (to <= from) {
            return "";
        }
        return ": records " + from + ".." + (to - 1) + " are neither live nor archived ("
                + archiveDir.resolve(ArchiveFormat.fileName(from)) + " missing?)";
    }

    /**
     * Writes the live segment {@code live}, followed by {@code next}, to the archive of the log in
     * {@code dir} through a channel from {@code opener} and returns what it wrote. Reads {@code live} through first (its records must chain to
     * {@code next}'s anchor) and the archive afterwards; throws {@link Damage} when the live segment is
     * damaged, an {@link IOException} for everything else. The caller deletes the live segment.
     */
    static ArchivedSegment archive(Path dir, Segment live, Segment next, SegmentedEventLog.ChannelOpener opener)
            throws IOException, Damage {
        Path archiveDir = dir.resolve(ArchiveFormat.DIRECTORY);
        if (!Files.isDirectory(archiveDir)) {
            try {
                Files.createDirectories(archiveDir);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw new IOException(archiveDir + " exists and is not a directory", e);
            }
            FileSync.directory(dir);
        }
        long last = next.firstSequence() - 1;
        Summary summary = scan(live, last);
        if (!Arrays.equals(summary.lastHash().bytes(), next.anchor())) {
            throw new Damage(next.file(), 0, next.firstSequence(), "segment anchor does not match the hash of sequence "
                    + last);
        }
        Path target = archiveDir.resolve(ArchiveFormat.fileName(live.firstSequence()));
        ArchivedSegment archived = new ArchivedSegment(target.toString(), live.firstSequence(), last,
                ChainHash.of(live.anchor()), summary.lastHash(), summary.firstTimeNanos(), summary.lastTimeNanos());
        Path part = ArchiveFormat.partFileOf(target);
        boolean done = false;
        try {
            try (FileChannel out = opener.open(part, Set.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE));
                    InputStream in = Files.newInputStream(live.file())) {
                OutputStream buffered = new BufferedOutputStream(Channels.newOutputStream(out), 64 << 10);
                ArchiveFormat.write(archived, in, buffered);
                buffered.flush();
                out.force(true);
            }
            Summary back;
            try {
                back = scan(Segment.archived(part, archived), last);
            } catch (Damage d) {
                throw new IOException("archive " + part + " reads back damaged: " + d.getMessage());
            }
            if (!back.equals(summary)) {
                throw new IOException("archive " + part + " reads back differently from " + live.file());
            }
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            FileSync.directory(archiveDir);
            done = true;
            return archived;
        } finally {
            if (!done) {
                FileSync.deleteQuietly(part);
            }
        }
    }

    /** Reads {@code segment} through to its end, which must come right after record {@code lastSequence}. */
    private static Summary scan(Segment segment, long lastSequence) throws IOException, Damage {
        Segment.Entry start = new Segment.Entry(segment.firstSequence(), HEADER_BYTES, Long.MIN_VALUE, segment.anchor());
        long firstTime = 0;
        long lastTime = 0;
        try (ChainWalker walker = new ChainWalker(List.of(segment), SegmentInput.UNKNOWN_LENGTH, lastSequence, 0, start)) {
            while (walker.advance()) {
                lastTime = walker.scanner().timeNanos();
                if (walker.scanner().sequence() == segment.firstSequence()) {
                    firstTime = lastTime;
                }
            }
            walker.expectEnd();
            return new Summary(firstTime, lastTime, SegmentFormat.chainHash(walker.scanner().chainHash(), 0));
        }
    }
}
