package dev.berth.eventlog.impl;

import static dev.berth.eventlog.impl.SegmentFormat.HASH_BYTES;
import static dev.berth.eventlog.impl.SegmentFormat.HEADER_BYTES;
import static dev.berth.eventlog.impl.SegmentFormat.MAGIC;

import dev.berth.api.event.ArchivedSegment;
import dev.berth.api.event.ChainHash;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * The layout of archive files: where they live, what they are called, and how the gzip header carries
 * what the log needs to know about an archived segment without decompressing it. Stateless and
 * thread-safe.
 *
 * <pre>
 * &lt;logdir&gt;/archive/segment-&lt;20-digit first sequence&gt;.log.gz
 * file     = gzip member (RFC 1952) whose data is the segment file byte for byte
 * header   = 1f 8b 08 | FLG = FEXTRA | MTIME 0 | XFL 0 | OS 255 | XLEN | subfield "BL"
 * "BL"     = u8 version 1 | u64 firstSequence | u64 lastSequence | 32 bytes anchor | 32 bytes lastHash
 *            | u64 firstTimeNanos | u64 lastTimeNanos            (big-endian, as in segments)
 * </pre>
 *
 * Any gzip tool decompresses an archive to the original segment. The header fields are a summary for
 * opening and listing; {@code verify} checks the records themselves against them.
 */
final class ArchiveFormat {
    /** The archive's directory inside the log directory. */
    static final String DIRECTORY = "archive";
    static final String SUFFIX = ".gz";

    private static final int GZIP_HEADER_BYTES = 10;
    private static final int FLAG_EXTRA = 4;
    private static final byte ID1 = 0x1f;
    private static final byte ID2 = (byte) 0x8b;
    private static final byte DEFLATE = 8;
    private static final byte SUBFIELD_1 = 'B';
    private static final byte SUBFIELD_2 = 'L';
    private static final int VERSION = 1;
    private static final int SUMMARY_BYTES = 1 + 8 + 8 + HASH_BYTES + HASH_BYTES + 8 + 8;
    private static final int BUFFER = 64 << 10;

    private ArchiveFormat() {
    }

    /** The archive file name of the segment whose first record has {@code firstSequence}. */
    static String fileName(long firstSequence) {
        return SegmentFormat.fileName(firstSequence) + SUFFIX;
    }

    /** The first sequence an archive file name declares, or -1 if the name is not an archive's. */
    static long parseFileName(String name) {
        if (!name.endsWith(SUFFIX)) {
            return -1;
        }
        return SegmentFormat.parseFileName(name.substring(0, name.length() - SUFFIX.length()));
    }

    /** Where the live segment file {@code liveSegment} goes when it is archived. */
    static Path archiveFileOf(Path liveSegment) {
        return liveSegment.resolveSibling(DIRECTORY).resolve(liveSegment.getFileName() + SUFFIX);
    }

    /** The temporary file an archive file is written to before it is renamed into place. */
    static Path partFileOf(Path archiveFile) {
        return archiveFile.resolveSibling("." + archiveFile.getFileName() + ".part");
    }

    /** Whether {@code name} is that of a temporary archive file a crash may have left. */
    static boolean isPartFileName(String name) {
        return name.startsWith(".") && name.endsWith(SUFFIX + ".part");
    }

    /** Writes {@code segment} (the whole segment file) to {@code out} as gzip whose header carries {@code summary}. */
    static void write(ArchivedSegment summary, InputStream segment, OutputStream out) throws IOException {
        byte[] fields = summaryBytes(summary);
        ByteBuffer header = ByteBuffer.allocate(GZIP_HEADER_BYTES + 2 + 4 + fields.length).order(ByteOrder.LITTLE_ENDIAN);
        header.put(ID1).put(ID2).put(DEFLATE).put((byte) FLAG_EXTRA).putInt(0).put((byte) 0).put((byte) 255);
        header.putShort((short) (4 + fields.length));
        header.put(SUBFIELD_1).put(SUBFIELD_2).putShort((short) fields.length).put(fields);
        out.write(header.array());

        CRC32 crc = new CRC32();
        long size = 0;
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            // Not closed: that would close out, which the caller still needs for the trailer and fsync.
            DeflaterOutputStream deflating = new DeflaterOutputStream(out, deflater, BUFFER);
            byte[] chunk = new byte[BUFFER];
            int read;
            while ((read = segment.read(chunk)) >= 0) {
                crc.update(chunk, 0, read);
                size += read;
                deflating.write(chunk, 0, read);
            }
            deflating.finish();
        } finally {
            deflater.end();
        }
        ByteBuffer trailer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        trailer.putInt((int) crc.getValue()).putInt((int) size);
        out.write(trailer.array());
    }

    /**
     * Reads the summary in the gzip header of {@code file} and checks it against the file name and the
     * segment header inside (decompressing only that). Throws {@link Damage} when they disagree or the file
     * is not an archive.
     */
    static ArchivedSegment describe(Path file) throws IOException, Damage {
        long named = parseFileName(file.getFileName().toString());
        ArchivedSegment summary = readSummary(file, named);
        if (summary.firstSequence() != named) {
            throw new Damage(file, 0, named, "archive header declares first sequence " + summary.firstSequence()
                    + " but the file name says " + named);
        }
        if (summary.lastSequence() < summary.firstSequence() - 1) {
            throw new Damage(file, 0, named, "archive header declares records " + summary.firstSequence() + ".."
                    + summary.lastSequence());
        }
        byte[] header = new byte[HEADER_BYTES];
        try (GzipSegmentInput input = GzipSegmentInput.open(file)) {
            ByteBuffer into = ByteBuffer.wrap(header);
            while (into.hasRemaining() && input.read(into, into.position()) >= 0) {
                // Read until the segment header is in.
            }
            if (into.hasRemaining()) {
                throw new Damage(file, 0, named, "segment header truncated");
            }
        } catch (GzipSegmentInput.Corrupt e) {
            throw new Damage(file, 0, named, e.problem());
        }
        if (!Arrays.equals(header, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new Damage(file, 0, named, "bad segment magic");
        }
        long declared = (long) SegmentFormat.LONG.get(header, 8);
        if (declared != named) {
            throw new Damage(file, 0, named, "segment header declares first sequence " + declared
                    + " but the file name says " + named);
        }
        if (!Arrays.equals(header, 16, 16 + HASH_BYTES, summary.anchor().bytes(), 0, HASH_BYTES)) {
            throw new Damage(file, 0, named, "segment anchor does not match the archive header");
        }
        return summary;
    }

    private static byte[] summaryBytes(ArchivedSegment s) {
        return ByteBuffer.allocate(SUMMARY_BYTES).put((byte) VERSION).putLong(s.firstSequence())
                .putLong(s.lastSequence()).put(s.anchor().bytes()).put(s.lastHash().bytes())
                .putLong(s.firstTimeNanos()).putLong(s.lastTimeNanos()).array();
    }

    private static ArchivedSegment readSummary(Path file, long named) throws IOException, Damage {
        byte[] start = new byte[GZIP_HEADER_BYTES + 2];
        byte[] extra;
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(start, 0, start.length) < start.length) {
                throw new Damage(file, 0, named, "archive header truncated");
            }
            if (start[0] != ID1 || start[1] != ID2 || start[2] != DEFLATE) {
                throw new Damage(file, 0, named, "archive is not gzip");
            }
            if ((start[3] & FLAG_EXTRA) == 0) {
                throw new Damage(file, 0, named, "archive header carries no segment summary");
            }
            int length = Short.toUnsignedInt(ByteBuffer.wrap(start, GZIP_HEADER_BYTES, 2).order(ByteOrder.LITTLE_ENDIAN)
                    .getShort());
            extra = in.readNBytes(length);
            if (extra.length < length) {
                throw new Damage(file, 0, named, "archive header truncated");
            }
        }
        ByteBuffer fields = ByteBuffer.wrap(extra).order(ByteOrder.LITTLE_ENDIAN);
        while (fields.remaining() >= 4) {
            byte id1 = fields.get();
            byte id2 = fields.get();
            int length = Short.toUnsignedInt(fields.getShort());
            if (length > fields.remaining()) {
                break;
            }
            if (id1 == SUBFIELD_1 && id2 == SUBFIELD_2) {
                if (length != SUMMARY_BYTES || fields.get(fields.position()) != VERSION) {
                    throw new Damage(file, 0, named, "archive summary has an unknown version or size");
                }
                ByteBuffer s = fields.slice(fields.position() + 1, SUMMARY_BYTES - 1).order(ByteOrder.BIG_ENDIAN);
                long first = s.getLong();
                long last = s.getLong();
                byte[] anchor = new byte[HASH_BYTES];
                byte[] lastHash = new byte[HASH_BYTES];
                s.get(anchor).get(lastHash);
                return new ArchivedSegment(file.toString(), first, last, ChainHash.of(anchor), ChainHash.of(lastHash),
                        s.getLong(), s.getLong());
            }
            fields.position(fields.position() + length);
        }
        throw new Damage(file, 0, named, "archive header carries no segment summary");
    }
}
