package dev.berth.plugin.archive.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the entries of a tar stream (ustar, GNU long names and links, PAX path, linkpath and size records)
 * one after another, giving each entry's data as a bounded stream. Not thread-safe: one reader per stream.
 */
final class TarReader {
    /** The most bytes of a GNU long-name or PAX header that are read into memory. */
    private static final int MAX_META_BYTES = 1 << 20;
    private static final int BLOCK = 512;

    /** Entry types: regular file, hardlink, symlink, directory, or anything else. */
    enum Type { FILE, HARDLINK, SYMLINK, DIRECTORY, OTHER }

    /** One tar entry's header, with long names and PAX records applied. Immutable. */
    record Entry(String name, Type type, char typeFlag, long size, String linkName) {
    }

    /** A malformed tar stream; the message says what is wrong. */
    static final class FormatException extends IOException {
        private static final long serialVersionUID = 1L;

        FormatException(String message) {
            super(message);
        }
    }

    private final InputStream in;
    private final boolean allowEmpty;
    private long remaining;
    private long padding;
    private boolean finished;
    private int entries;

    /** A reader that refuses an archive without entries (an image archive always has some). */
    TarReader(InputStream in) {
        this(in, false);
    }

    /**
     * A reader of {@code in}; {@code allowEmpty} accepts an archive that is only its end blocks (a layer
     * that changes nothing). A stream without a single block is refused either way.
     */
    TarReader(InputStream in, boolean allowEmpty) {
        this.in = in;
        this.allowEmpty = allowEmpty;
    }

    /** The next entry, or null at the end of the archive; skips the unread data of the previous entry. */
    Entry next() throws IOException {
        if (finished) {
            return null;
        }
        skipFully(remaining + padding);
        remaining = 0;
        padding = 0;
        String longName = null;
        String longLink = null;
        String paxPath = null;
        String paxLink = null;
        long paxSize = -1;
        while (true) {
            byte[] header = new byte[BLOCK];
            int got = readBlock(header);
            if (got == 0 && entries > 0) {
                finished = true;
                return null;
            }
            if (got < BLOCK) {
                throw new FormatException(got == 0 ? "empty archive" : "truncated archive: header cut short");
            }
            if (isZero(header)) {
                finished = true;
                if (entries == 0 && !allowEmpty) {
                    throw new FormatException("empty archive");
                }
                return null;
            }
            verifyChecksum(header);
            entries++;
            char flag = (char) header[156];
            long size = parseNumber(header, 124, 12, "size");
            if (size < 0) {
                throw new FormatException("negative entry size");
            }
            switch (flag) {
                case 'L' -> longName = trimNul(readMeta(size, "GNU long name"));
                case 'K' -> longLink = trimNul(readMeta(size, "GNU long link name"));
                case 'x' -> {
                    String records = readMeta(size, "PAX header");
                    for (String[] kv : parsePax(records)) {
                        switch (kv[0]) {
                            case "path" -> paxPath = kv[1];
                            case "linkpath" -> paxLink = kv[1];
                            case "size" -> paxSize = parsePaxSize(kv[1]);
                            default -> { }
                        }
                    }
                }
                case 'g' -> readMeta(size, "PAX global header");
                default -> {
                    String name = paxPath != null ? paxPath : longName != null ? longName : headerName(header);
                    String link = paxLink != null ? paxLink : longLink != null ? longLink : string(header, 157, 100);
                    long dataSize = paxSize >= 0 ? paxSize : size;
                    Type type = switch (flag) {
                        case '0', '\0', '7' -> Type.FILE;
                        case '1' -> Type.HARDLINK;
                        case '2' -> Type.SYMLINK;
                        case '5' -> Type.DIRECTORY;
                        default -> Type.OTHER;
                    };
                    // Whatever size the header declares is skipped, but only regular files have content.
                    remaining = dataSize;
                    padding = (BLOCK - dataSize % BLOCK) % BLOCK;
                    return new Entry(name, type, flag, type == Type.FILE ? dataSize : 0, link);
                }
            }
        }
    }

    /** The data of the current entry; reading past its end gives -1, a cut-short archive an exception. */
    InputStream data() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining == 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw new FormatException("truncated archive: entry data cut short");
                }
                remaining -= n;
                return n;
            }
        };
    }

    private String readMeta(long size, String what) throws IOException {
        if (size > MAX_META_BYTES) {
            throw new FormatException(what + " larger than " + MAX_META_BYTES + " bytes");
        }
        byte[] bytes = new byte[(int) size];
        if (in.readNBytes(bytes, 0, bytes.length) < bytes.length) {
            throw new FormatException("truncated archive: " + what + " cut short");
        }
        skipFully((BLOCK - size % BLOCK) % BLOCK);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static List<String[]> parsePax(String records) throws FormatException {
        List<String[]> result = new ArrayList<>();
        byte[] bytes = records.getBytes(StandardCharsets.UTF_8);
        int pos = 0;
        while (pos < bytes.length) {
            int space = pos;
            while (space < bytes.length && bytes[space] != ' ') {
                space++;
            }
            int length;
            try {
                length = Integer.parseInt(new String(bytes, pos, space - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new FormatException("malformed PAX record");
            }
            if (length <= space - pos || pos + length > bytes.length) {
                throw new FormatException("malformed PAX record");
            }
            String record = new String(bytes, space + 1, pos + length - space - 2, StandardCharsets.UTF_8);
            int eq = record.indexOf('=');
            if (eq < 1) {
                throw new FormatException("malformed PAX record");
            }
            result.add(new String[] {record.substring(0, eq), record.substring(eq + 1)});
            pos += length;
        }
        return result;
    }

    private static long parsePaxSize(String text) throws FormatException {
        try {
            long size = Long.parseLong(text);
            if (size < 0) {
                throw new FormatException("negative PAX size");
            }
            return size;
        } catch (NumberFormatException e) {
            throw new FormatException("malformed PAX size");
        }
    }

    private int readBlock(byte[] block) throws IOException {
        return in.readNBytes(block, 0, BLOCK);
    }

    private void skipFully(long n) throws IOException {
        while (n > 0) {
            long skipped = in.skip(n);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new FormatException("truncated archive: entry data cut short");
                }
                skipped = 1;
            }
            n -= skipped;
        }
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static void verifyChecksum(byte[] header) throws FormatException {
        long stored;
        try {
            stored = parseNumber(header, 148, 8, "checksum");
        } catch (FormatException e) {
            throw new FormatException("not a tar archive: bad header checksum");
        }
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = i >= 148 && i < 156 ? ' ' : header[i];
            unsigned += b & 0xff;
            signed += b;
        }
        if (stored != unsigned && stored != signed) {
            throw new FormatException("not a tar archive: bad header checksum");
        }
    }

    private static long parseNumber(byte[] header, int offset, int length, String field) throws FormatException {
        if ((header[offset] & 0x80) != 0) {
            // GNU base-256: big-endian two's complement with the top bit of the first byte as a marker.
            long value = header[offset] & 0x7f;
            for (int i = 1; i < length; i++) {
                if (value > (Long.MAX_VALUE >> 8)) {
                    throw new FormatException("tar header " + field + " out of range");
                }
                value = (value << 8) | (header[offset + i] & 0xff);
            }
            return value;
        }
        long value = 0;
        int i = offset;
        int end = offset + length;
        while (i < end && (header[i] == ' ' || header[i] == 0)) {
            i++;
        }
        boolean digits = false;
        while (i < end && header[i] >= '0' && header[i] <= '7') {
            value = value * 8 + (header[i] - '0');
            digits = true;
            i++;
        }
        while (i < end) {
            if (header[i] != ' ' && header[i] != 0) {
                throw new FormatException("not a tar archive: bad header " + field);
            }
            i++;
        }
        if (!digits && !field.equals("size")) {
            throw new FormatException("not a tar archive: empty header " + field);
        }
        return value;
    }

    private static String headerName(byte[] header) {
        String name = string(header, 0, 100);
        String magic = string(header, 257, 6);
        if (magic.startsWith("ustar")) {
            String prefix = string(header, 345, 155);
            if (!prefix.isEmpty() && !"ustar  ".equals(new String(header, 257, 8, StandardCharsets.US_ASCII))) {
                return prefix + "/" + name;
            }
        }
        return name;
    }

    private static String string(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static String trimNul(String s) {
        int nul = s.indexOf('\0');
        return nul < 0 ? s : s.substring(0, nul);
    }
}
