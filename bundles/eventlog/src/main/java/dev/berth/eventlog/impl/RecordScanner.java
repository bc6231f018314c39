package dev.berth.eventlog.impl;

import static dev.berth.eventlog.impl.SegmentFormat.FRAME_BYTES;
import static dev.berth.eventlog.impl.SegmentFormat.HASH_BYTES;
import static dev.berth.eventlog.impl.SegmentFormat.HEADER_BYTES;
import static dev.berth.eventlog.impl.SegmentFormat.INT;
import static dev.berth.eventlog.impl.SegmentFormat.LONG;
import static dev.berth.eventlog.impl.SegmentFormat.MAX_BODY_BYTES;
import static dev.berth.eventlog.impl.SegmentFormat.MIN_BODY_BYTES;
import static dev.berth.eventlog.impl.SegmentFormat.SHORT;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Reads the records of one segment file after another through a large buffer, checking framing, both
 * CRCs, sequence continuity, time order and the hash chain as it goes. Not thread-safe: one scanner per
 * reader. It holds the chain state (next expected sequence, hash of the last record) across segments, so
 * a caller moves it from one segment to the next with {@link #position}.
 *
 * <p>The scanner reports what it finds and leaves the decision to the caller: a record that ends past
 * the readable limit is {@link Status#INCOMPLETE} (a torn tail when it is the log's last record), a record
 * that fails a check is {@link Status#DAMAGED} with {@link #problem()} saying why.
 */
final class RecordScanner {
    /** What {@link #next()} found at the current position. */
    enum Status {
        /** A complete, verified record; its fields are readable until the next call. */
        RECORD,
        /** The position is exactly the readable limit: no more records. */
        END,
        /** The readable bytes end inside a record. */
        INCOMPLETE,
        /** A record failed a check. */
        DAMAGED
    }

    private static final int INITIAL_BUFFER = 64 << 10;
    private static final int LARGE_BUFFER = 1 << 20;

    private static final int TYPE_CACHE = 64;

    private final CRC32C crc = new CRC32C();
    private final byte[][] typeBytes = new byte[TYPE_CACHE][];
    private final String[] typeNames = new String[TYPE_CACHE];
    private final MessageDigest sha = SegmentFormat.sha256();
    private byte[] buf = new byte[INITIAL_BUFFER];
    private int refills;

    private Path file;
    private SegmentInput channel;
    private long limit;
    private long bufferStart;
    private int pos;
    private int end;

    private long expectedSequence = 1;
    private final byte[] chainHash = new byte[HASH_BYTES];
    private long lastTimeNanos = Long.MIN_VALUE;

    private long recordOffset;
    private long sequence;
    private long timeNanos;
    private int typeStart;
    private int typeLength;
    private int version;
    private int subjectStart;
    private int subjectLength;
    private int payloadStart;
    private int payloadLength;
    private int previousHashStart;
    private int frameStart;
    private int frameLength;
    private String problem;

    /** Starts the chain at {@code sequence}, whose predecessor has hash {@code previousHash}. */
    void startChain(long sequence, byte[] previousHash) {
        expectedSequence = sequence;
        System.arraycopy(previousHash, 0, chainHash, 0, HASH_BYTES);
        lastTimeNanos = Long.MIN_VALUE;
    }

    /**
     * Reads {@code channel} (the file {@code file}) from {@code offset} up to byte {@code limit}
     * ({@link SegmentInput#UNKNOWN_LENGTH} to read to its end).
     */
    void position(Path file, SegmentInput channel, long offset, long limit) {
        this.file = file;
        this.channel = channel;
        this.limit = limit;
        this.bufferStart = offset;
        this.pos = 0;
        this.end = 0;
        this.recordOffset = offset;
    }

    Path file() {
        return file;
    }

    /** The sequence the next record must carry. */
    long expectedSequence() {
        return expectedSequence;
    }

    /** The hash of the last record read (or the chain start), which the next record must point back to. */
    byte[] chainHash() {
        return chainHash;
    }

    /** The file offset of the record last looked at (also after INCOMPLETE or DAMAGED). */
    long recordOffset() {
        return recordOffset;
    }

    /** Why the last record was DAMAGED. */
    String problem() {
        return problem;
    }

    long sequence() {
        return sequence;
    }

    long timeNanos() {
        return timeNanos;
    }

    int version() {
        return version;
    }

    /** The type name; types repeat from record to record, so decoded names are kept in a small cache. */
    String type() {
        int hash = 0;
        for (int i = typeStart; i < typeStart + typeLength; i++) {
            hash = 31 * hash + buf[i];
        }
        int slot = (hash ^ (hash >>> 16)) & (TYPE_CACHE - 1);
        byte[] cached = typeBytes[slot];
        if (cached != null && Arrays.equals(cached, 0, cached.length, buf, typeStart, typeStart + typeLength)) {
            return typeNames[slot];
        }
        String type = new String(buf, typeStart, typeLength, StandardCharsets.UTF_8);
        typeBytes[slot] = Arrays.copyOfRange(buf, typeStart, typeStart + typeLength);
        typeNames[slot] = type;
        return type;
    }

    String subject() {
        return new String(buf, subjectStart, subjectLength, StandardCharsets.UTF_8);
    }

    String payload() {
        return new String(buf, payloadStart, payloadLength, StandardCharsets.UTF_8);
    }

    /** Writes the current record exactly as stored: frame header and body. */
    void copyFrame(OutputStream out) throws IOException {
        out.write(buf, frameStart, frameLength);
    }

    /** A copy of the current record's previousHash field. */
    byte[] previousHash() {
        return Arrays.copyOfRange(buf, previousHashStart, previousHashStart + HASH_BYTES);
    }

    /**
     * Reads the segment header at the current position (which must be offset 0) into {@code into}.
     * Returns false when the readable bytes end inside the header.
     */
    boolean readHeader(byte[] into) throws IOException {
        recordOffset = bufferStart + pos;
        if (!ensure(HEADER_BYTES)) {
            return false;
        }
        System.arraycopy(buf, pos, into, 0, HEADER_BYTES);
        pos += HEADER_BYTES;
        return true;
    }

    /** Reads and checks the record at the current position. */
    Status next() throws IOException {
        recordOffset = bufferStart + pos;
        if (recordOffset >= limit) {
            return Status.END;
        }
        if (!ensure(FRAME_BYTES)) {
            // An input of unknown length learns its limit only by reading past its end.
            return recordOffset >= limit ? Status.END : Status.INCOMPLETE;
        }
        int bodyLength = (int) INT.get(buf, pos);
        if (SegmentFormat.lengthCrc(crc, bodyLength) != (int) INT.get(buf, pos + 4)) {
            return damaged("length CRC mismatch");
        }
        if (bodyLength < MIN_BODY_BYTES || bodyLength > MAX_BODY_BYTES) {
            return damaged("body length " + Integer.toUnsignedString(bodyLength) + " is outside "
                    + MIN_BODY_BYTES + ".." + MAX_BODY_BYTES);
        }
        if (!ensure(FRAME_BYTES + bodyLength)) {
            return Status.INCOMPLETE;
        }
        int body = pos + FRAME_BYTES;
        crc.reset();
        crc.update(buf, body, bodyLength);
        if ((int) crc.getValue() != (int) INT.get(buf, pos + 8)) {
            return damaged("body CRC mismatch");
        }
        String malformed = parseBody(body, bodyLength);
        if (malformed != null) {
            return damaged(malformed);
        }
        if (sequence != expectedSequence) {
            return damaged("sequence gap: expected " + expectedSequence + ", found " + sequence);
        }
        if (!Arrays.equals(buf, previousHashStart, previousHashStart + HASH_BYTES, chainHash, 0, HASH_BYTES)) {
            return damaged("hash chain broken: previousHash of sequence " + sequence
                    + (sequence == 1 ? " is not the genesis hash" : " does not match the hash of sequence " + (sequence - 1)));
        }
        if (timeNanos < lastTimeNanos) {
            return damaged("time goes backwards: " + timeNanos + " after " + lastTimeNanos);
        }
        sha.update(buf, body, bodyLength);
        try {
            sha.digest(chainHash, 0, HASH_BYTES);
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-256 digest of 32 bytes", e);
        }
        expectedSequence++;
        lastTimeNanos = timeNanos;
        frameStart = pos;
        frameLength = FRAME_BYTES + bodyLength;
        pos = body + bodyLength;
        return Status.RECORD;
    }

    /**
     * After {@link Status#DAMAGED}: estimates how far the damaged input goes. Follows the frames from the
     * damaged record on, trusting a length only where its CRC holds, and returns the last sequence among
     * them: a frame's sequence field where its body CRC holds, else the one after the frame before it. The
     * answer is at least the last verified sequence. Checks neither order nor chain, so it is a hint for
     * reports, never a verified record. Leaves the scanner after what it read.
     */
    long lastSequenceBeyondDamage() throws IOException {
        long last = expectedSequence - 1;
        while (ensure(FRAME_BYTES)) {
            int bodyLength = (int) INT.get(buf, pos);
            if (SegmentFormat.lengthCrc(crc, bodyLength) != (int) INT.get(buf, pos + 4)
                    || bodyLength < MIN_BODY_BYTES || bodyLength > MAX_BODY_BYTES || !ensure(FRAME_BYTES + bodyLength)) {
                break;
            }
            crc.reset();
            crc.update(buf, pos + FRAME_BYTES, bodyLength);
            boolean intact = (int) crc.getValue() == (int) INT.get(buf, pos + 8);
            last = intact ? (long) LONG.get(buf, pos + FRAME_BYTES) : last + 1;
            pos += FRAME_BYTES + bodyLength;
        }
        return Math.max(last, expectedSequence - 1);
    }

    /**
     * True when every byte from {@code offset} to the readable limit is zero: space a crash left allocated
     * but never wrote.
     */
    boolean zeroFrom(long offset) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(64 << 10);
        long at = offset;
        while (at < limit) {
            chunk.clear();
            chunk.limit((int) Math.min(chunk.capacity(), limit - at));
            int read = channel.read(chunk, at);
            if (read < 0) {
                break;
            }
            for (int i = 0; i < read; i++) {
                if (chunk.get(i) != 0) {
                    return false;
                }
            }
            at += read;
        }
        return true;
    }

    private Status damaged(String what) {
        problem = what;
        return Status.DAMAGED;
    }

    /** Parses the body fields; returns what is malformed, or null. */
    private String parseBody(int body, int bodyLength) {
        long bodyEnd = (long) body + bodyLength;
        int p = body;
        sequence = (long) LONG.get(buf, p);
        timeNanos = (long) LONG.get(buf, p + 8);
        typeLength = Short.toUnsignedInt((short) SHORT.get(buf, p + 16));
        typeStart = p + 18;
        long q = (long) typeStart + typeLength;
        if (q + 4 + 2 + 4 + HASH_BYTES > bodyEnd) {
            return "malformed body: type length " + typeLength + " overruns the record";
        }
        p = (int) q;
        version = (int) INT.get(buf, p);
        subjectLength = Short.toUnsignedInt((short) SHORT.get(buf, p + 4));
        subjectStart = p + 6;
        q = (long) subjectStart + subjectLength;
        if (q + 4 + HASH_BYTES > bodyEnd) {
            return "malformed body: subject length " + subjectLength + " overruns the record";
        }
        p = (int) q;
        long payload = Integer.toUnsignedLong((int) INT.get(buf, p));
        payloadStart = p + 4;
        if (payloadStart + payload + HASH_BYTES != bodyEnd) {
            return "malformed body: payload length " + payload + " does not fill the record";
        }
        payloadLength = (int) payload;
        previousHashStart = payloadStart + payloadLength;
        return null;
    }

    /** Makes {@code n} bytes from {@code pos} available; false if the readable limit comes first. */
    private boolean ensure(int n) throws IOException {
        if (end - pos >= n) {
            return true;
        }
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, end - pos);
            bufferStart += pos;
            end -= pos;
            pos = 0;
        }
        // Start small so short reads stay cheap, and grow for long scans so each read call moves a lot.
        if (++refills > 2 && buf.length < LARGE_BUFFER) {
            buf = Arrays.copyOf(buf, LARGE_BUFFER);
        }
        if (n > buf.length) {
            buf = Arrays.copyOf(buf, n);
        }
        while (end < n) {
            long at = bufferStart + end;
            long available = limit - at;
            if (available <= 0) {
                return false;
            }
            int want = (int) Math.min(buf.length - end, available);
            int read = channel.read(ByteBuffer.wrap(buf, end, want), at);
            if (read < 0) {
                limit = at;
                return false;
            }
            end += read;
        }
        return true;
    }
}
