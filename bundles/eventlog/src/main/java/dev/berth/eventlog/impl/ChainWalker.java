package dev.berth.eventlog.impl;

import static dev.berth.eventlog.impl.SegmentFormat.HASH_BYTES;
import static dev.berth.eventlog.impl.SegmentFormat.HEADER_BYTES;
import static dev.berth.eventlog.impl.SegmentFormat.LONG;
import static dev.berth.eventlog.impl.SegmentFormat.MAGIC;

import dev.berth.api.event.ArchivedSegment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Walks the verified chain of a log snapshot from a starting record up to the snapshot's head, crossing
 * segment files, live or archived, and checking each segment header on the way (and, at the end of an
 * archived segment, that it ends where its archive header says). Opens its own file channels. Not
 * thread-safe: one walker per reader; close it to release the channel.
 */
final class ChainWalker implements AutoCloseable {
    private final List<Segment> segments;
    private final long lastSegmentEnd;
    private final long headSequence;
    private final RecordScanner scanner = new RecordScanner();
    private final byte[] header = new byte[HEADER_BYTES];
    private int segmentIndex;
    private SegmentInput channel;

    /**
     * Prepares a walk of {@code segments} (the last one readable up to {@code lastSegmentEnd}) that yields
     * records up to {@code headSequence}, starting at the index entry {@code start} of segment
     * {@code segmentIndex}.
     */
    ChainWalker(List<Segment> segments, long lastSegmentEnd, long headSequence, int segmentIndex, Segment.Entry start)
            throws IOException, Damage {
        this.segments = segments;
        this.lastSegmentEnd = lastSegmentEnd;
        this.headSequence = headSequence;
        this.segmentIndex = segmentIndex;
        scanner.startChain(start.sequence(), start.previousHash());
        try {
            openSegment(start.offset());
        } catch (IOException | Damage | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The scanner holding the current record after {@link #advance()} returned true. */
    RecordScanner scanner() {
        return scanner;
    }

    /** The file being read. */
    Path file() {
        return channel != null ? channel.file() : segments.get(segmentIndex).file();
    }

    /** Moves to the next record; false once the head has been read. */
    boolean advance() throws IOException, Damage {
        if (scanner.expectedSequence() > headSequence) {
            return false;
        }
        while (true) {
            switch (next()) {
                case RECORD:
                    return true;
                case END:
                    checkArchivedEnd();
                    if (segmentIndex + 1 >= segments.size()) {
                        throw damage(scanner.recordOffset(), "log ends at sequence " + (scanner.expectedSequence() - 1)
                                + " before the head " + headSequence);
                    }
                    segmentIndex++;
                    openSegment(HEADER_BYTES);
                    break;
                case INCOMPLETE:
                    throw damage(scanner.recordOffset(), "record truncated at end of file");
                case DAMAGED:
                    throw damage(scanner.recordOffset(), scanner.problem());
                default:
                    throw new IllegalStateException();
            }
        }
    }

    /**
     * After {@link #advance()} returned false: checks that the file being read ends right after the last
     * record (for an archive, that also checks its gzip trailer and its header's summary).
     */
    void expectEnd() throws IOException, Damage {
        if (next() != RecordScanner.Status.END) {
            throw damage(scanner.recordOffset(), "unexpected bytes after sequence " + (scanner.expectedSequence() - 1));
        }
        checkArchivedEnd();
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // Read-only channel: nothing was written that closing could lose.
            }
            channel = null;
        }
    }

    /** The scanner's next record, with gzip-level damage in an archive reported as damage, not I/O failure. */
    private RecordScanner.Status next() throws IOException, Damage {
        try {
            return scanner.next();
        } catch (GzipSegmentInput.Corrupt e) {
            throw damage(scanner.recordOffset(), e.problem());
        }
    }

    /** At the end of an archived segment: its records must end where its archive header says. */
    private void checkArchivedEnd() throws Damage {
        ArchivedSegment archive = segments.get(segmentIndex).archive();
        if (archive == null) {
            return;
        }
        long last = scanner.expectedSequence() - 1;
        if (last != archive.lastSequence()) {
            throw damage(scanner.recordOffset(), "archived segment ends at sequence " + last
                    + " but its archive header says " + archive.lastSequence());
        }
        if (!Arrays.equals(scanner.chainHash(), archive.lastHash().bytes())) {
            throw damage(scanner.recordOffset(), "hash of sequence " + last + " does not match the archive header");
        }
    }

    private void openSegment(long offset) throws IOException, Damage {
        close();
        Segment segment = segments.get(segmentIndex);
        long first = segment.firstSequence();
        try {
            channel = segment.open();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new Damage(segment.file(), 0, first, "segment file is missing (deleted or moved)");
        } catch (GzipSegmentInput.Corrupt e) {
            throw new Damage(segment.file(), 0, first, e.problem());
        }
        Path file = channel.file();
        long limit = segmentIndex == segments.size() - 1 ? lastSegmentEnd : channel.length();
        scanner.position(file, channel, 0, limit);
        boolean complete;
        try {
            complete = scanner.readHeader(header);
        } catch (GzipSegmentInput.Corrupt e) {
            throw new Damage(file, 0, first, e.problem());
        }
        if (!complete) {
            throw new Damage(file, 0, first, "segment header truncated");
        }
        if (!Arrays.equals(header, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new Damage(file, 0, first, "bad segment magic");
        }
        long declared = (long) LONG.get(header, 8);
        if (declared != first) {
            throw new Damage(file, 0, first, "segment header declares first sequence " + declared
                    + ", expected " + first);
        }
        // At the segment start the running chain is the reference; elsewhere the anchor verified at open.
        byte[] expectedAnchor = offset == HEADER_BYTES ? scanner.chainHash() : segment.anchor();
        if (offset == HEADER_BYTES && scanner.expectedSequence() != first) {
            throw new Damage(file, 0, scanner.expectedSequence(), "segment starts at sequence " + first
                    + ", expected " + scanner.expectedSequence());
        }
        if (!Arrays.equals(header, 16, 16 + HASH_BYTES, expectedAnchor, 0, HASH_BYTES)) {
            throw new Damage(file, 0, first, "segment anchor does not match the hash of sequence " + (first - 1));
        }
        if (offset != HEADER_BYTES) {
            scanner.position(file, channel, offset, limit);
        }
    }

    private Damage damage(long offset, String what) {
        return new Damage(scanner.file(), offset, scanner.expectedSequence(), what);
    }
}
