package dev.berth.eventlog.impl;

import dev.berth.api.event.ChainHash;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.zip.CRC32C;

/**
 * The on-disk layout of segment files: header, record framing and body field sizes, plus the big-endian
 * accessors and checksums both the writer and the readers use. Stateless and thread-safe.
 *
 * <pre>
 * segment  = magic "BERTHLG1" | u64 firstSequence | 32 bytes anchor | record*
 * record   = u32 bodyLength | u32 crc32c(bodyLength as 4 bytes) | u32 crc32c(body) | body
 * body     = u64 sequence | u64 timeNanos | u16 typeLen | type | u32 version | u16 subjectLen | subject
 *            | u32 payloadLen | payload | 32 bytes previousHash
 * </pre>
 */
final class SegmentFormat {
    /** The eight bytes every segment file starts with. */
    static final byte[] MAGIC = "BERTHLG1".getBytes(StandardCharsets.US_ASCII);
    /** Magic, first sequence and chain anchor. */
    static final int HEADER_BYTES = 8 + 8 + 32;
    /** Body length, length CRC and body CRC. */
    static final int FRAME_BYTES = 12;
    static final int HASH_BYTES = 32;
    /** A body with empty type, subject and payload: the smallest a well-formed record can be. */
    static final int MIN_BODY_BYTES = 8 + 8 + 2 + 4 + 2 + 4 + HASH_BYTES;
    /** The largest body a reader accepts; anything longer is damage, not a record. */
    static final int MAX_BODY_BYTES = 2 << 20;

    static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

    private static final String PREFIX = "segment-";
    private static final String SUFFIX = ".log";
    private static final int DIGITS = 20;

    private SegmentFormat() {
    }

    /** The file name of the segment whose first record has {@code firstSequence}. */
    static String fileName(long firstSequence) {
        String digits = Long.toString(firstSequence);
        return PREFIX + "0".repeat(DIGITS - digits.length()) + digits + SUFFIX;
    }

    /** The first sequence a segment file name declares, or -1 if the name is not a segment's. */
    static long parseFileName(String name) {
        if (name.length() != PREFIX.length() + DIGITS + SUFFIX.length() || !name.startsWith(PREFIX)
                || !name.endsWith(SUFFIX)) {
            return -1;
        }
        long value = 0;
        for (int i = PREFIX.length(); i < PREFIX.length() + DIGITS; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
            if (value < 0) {
                return -1;
            }
        }
        return value;
    }

    /** The 48 header bytes of a segment starting at {@code firstSequence}, chained to {@code anchor}. */
    static byte[] header(long firstSequence, byte[] anchor) {
        byte[] header = new byte[HEADER_BYTES];
        System.arraycopy(MAGIC, 0, header, 0, MAGIC.length);
        LONG.set(header, 8, firstSequence);
        System.arraycopy(anchor, 0, header, 16, HASH_BYTES);
        return header;
    }

    /** The CRC-32C of {@code bodyLength} written as four big-endian bytes. */
    static int lengthCrc(CRC32C crc, int bodyLength) {
        crc.reset();
        crc.update(bodyLength >>> 24);
        crc.update(bodyLength >>> 16);
        crc.update(bodyLength >>> 8);
        crc.update(bodyLength);
        return (int) crc.getValue();
    }

    /** The body length of a record with these UTF-8 field lengths. */
    static int bodyLength(int typeBytes, int subjectBytes, int payloadBytes) {
        return MIN_BODY_BYTES + typeBytes + subjectBytes + payloadBytes;
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /**
     * Wraps 32 hash bytes at {@code offset} as a {@link ChainHash}; same result as {@link ChainHash#of}
     * without its general-purpose formatter, which shows up when replaying millions of records.
     */
    static ChainHash chainHash(byte[] hash, int offset) {
        byte[] hex = new byte[HASH_BYTES * 2];
        for (int i = 0; i < HASH_BYTES; i++) {
            int b = hash[offset + i] & 0xff;
            hex[2 * i] = HEX[b >>> 4];
            hex[2 * i + 1] = HEX[b & 0xf];
        }
        return new ChainHash(new String(hex, StandardCharsets.ISO_8859_1));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }
}
