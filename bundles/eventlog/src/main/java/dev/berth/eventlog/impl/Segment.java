package dev.berth.eventlog.impl;

import dev.berth.api.event.ArchivedSegment;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * One segment file as the log knows it in memory: its path, first sequence, chain anchor and a sparse
 * index of record positions, so readers can start near a sequence or a time without scanning the whole
 * file. A segment is live (a plain file the writer may still append to) or archived (a compressed file in
 * the archive, indexed only at its first record). Thread-safe: the writer thread adds index entries while
 * readers look them up.
 */
final class Segment {
    /**
     * A verified record position: the record {@code sequence} starts at {@code offset}, was appended at
     * {@code timeNanos} and points back to {@code previousHash}.
     */
    record Entry(long sequence, long offset, long timeNanos, byte[] previousHash) {
    }

    /** Bytes of records between two index entries. */
    static final long INDEX_INTERVAL = 256 << 10;

    private final Path file;
    private final long firstSequence;
    private final byte[] anchor;
    private final ArchivedSegment archive;
    private final List<Entry> entries = new ArrayList<>();

    /** A live segment. */
    Segment(Path file, long firstSequence, byte[] anchor) {
        this(file, firstSequence, anchor, null);
    }

    private Segment(Path file, long firstSequence, byte[] anchor, ArchivedSegment archive) {
        this.file = file;
        this.firstSequence = firstSequence;
        this.anchor = anchor.clone();
        this.archive = archive;
    }

    /** The archived segment {@code archive} describes, stored compressed in {@code file}. */
    static Segment archived(Path file, ArchivedSegment archive) {
        Segment segment = new Segment(file, archive.firstSequence(), archive.anchor().bytes(), archive);
        if (archive.lastSequence() >= archive.firstSequence()) {
            segment.add(new Entry(archive.firstSequence(), SegmentFormat.HEADER_BYTES, archive.firstTimeNanos(),
                    archive.anchor().bytes()));
        }
        return segment;
    }

    Path file() {
        return file;
    }

    /** What the archive knows about this segment, or null for a live one. */
    ArchivedSegment archive() {
        return archive;
    }

    boolean isArchived() {
        return archive != null;
    }

    /**
     * Opens the segment's bytes for reading: the live file or the decompressed archive. A live segment
     * archived since this object was listed is read from the archive. Throws {@link NoSuchFileException}
     * when the file is gone.
     */
    SegmentInput open() throws IOException {
        if (archive != null) {
            return GzipSegmentInput.open(file);
        }
        try {
            return SegmentInput.of(file, FileChannel.open(file, StandardOpenOption.READ));
        } catch (NoSuchFileException e) {
            Path archived = ArchiveFormat.archiveFileOf(file);
            if (Files.isRegularFile(archived)) {
                return GzipSegmentInput.open(archived);
            }
            throw e;
        }
    }

    long firstSequence() {
        return firstSequence;
    }

    /** The hash of the record before this segment's first record. */
    byte[] anchor() {
        return anchor.clone();
    }

    /** Adds an entry; entries arrive in sequence order, the first being the segment's first record. */
    synchronized void add(Entry entry) {
        entries.add(entry);
    }

    /** The offset of the newest entry, or -1 when the segment has none. */
    synchronized long lastIndexedOffset() {
        return entries.isEmpty() ? -1 : entries.get(entries.size() - 1).offset();
    }

    /** The time of the segment's first record, or {@link Long#MAX_VALUE} while it has none. */
    synchronized long firstTimeNanos() {
        return entries.isEmpty() ? Long.MAX_VALUE : entries.get(0).timeNanos();
    }

    /** The newest entry with sequence at most {@code sequence}, or null. */
    synchronized Entry floorBySequence(long sequence) {
        int lo = 0;
        int hi = entries.size() - 1;
        Entry found = null;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Entry e = entries.get(mid);
            if (e.sequence() <= sequence) {
                found = e;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The newest entry appended strictly before {@code timeNanos}, or null. */
    synchronized Entry lastBefore(long timeNanos) {
        int lo = 0;
        int hi = entries.size() - 1;
        Entry found = null;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Entry e = entries.get(mid);
            if (e.timeNanos() < timeNanos) {
                found = e;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }
}
