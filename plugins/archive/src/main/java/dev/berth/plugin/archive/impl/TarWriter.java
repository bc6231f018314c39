package dev.berth.plugin.archive.impl;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a deterministic ustar stream: regular files only, mode 0644, owner 0:0, mtime 0, in the order
 * the caller gives. Not thread-safe: one writer per stream.
 */
final class TarWriter {
    private static final int BLOCK = 512;
    private static final long MAX_OCTAL_SIZE = 077777777777L;

    private final OutputStream out;

    TarWriter(OutputStream out) {
        this.out = out;
    }

    /** Writes one regular file of exactly {@code size} bytes read from {@code data}. */
    void file(String name, long size, InputStream data) throws IOException {
        out.write(header(name, size));
        byte[] buffer = new byte[65536];
        long left = size;
        while (left > 0) {
            int n = data.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException("tar entry " + name + ": data ended " + left + " bytes early");
            }
            out.write(buffer, 0, n);
            left -= n;
        }
        if (data.read() >= 0) {
            throw new IOException("tar entry " + name + ": data is longer than " + size + " bytes");
        }
        int pad = (int) ((BLOCK - size % BLOCK) % BLOCK);
        out.write(new byte[pad]);
    }

    /** Writes one regular file holding {@code bytes}. */
    void file(String name, byte[] bytes) throws IOException {
        file(name, bytes.length, new ByteArrayInputStream(bytes));
    }

    /** Writes the two zero blocks that end the archive. */
    void finish() throws IOException {
        out.write(new byte[2 * BLOCK]);
        out.flush();
    }

    private static byte[] header(String name, long size) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100) {
            throw new IOException("tar entry " + name + ": name longer than 100 bytes");
        }
        byte[] h = new byte[BLOCK];
        System.arraycopy(nameBytes, 0, h, 0, nameBytes.length);
        octal(h, 100, 8, 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        if (size <= MAX_OCTAL_SIZE) {
            octal(h, 124, 12, size);
        } else {
            // GNU base-256 for sizes of 8 GiB and more.
            h[124] = (byte) 0x80;
            long v = size;
            for (int i = 135; i > 124; i--) {
                h[i] = (byte) v;
                v >>>= 8;
            }
        }
        octal(h, 136, 12, 0);
        h[156] = '0';
        byte[] magic = "ustar\u000000".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(magic, 0, h, 257, magic.length);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        octal(h, 148, 7, sum);
        return h;
    }

    private static void octal(byte[] h, int offset, int length, long value) {
        String text = Long.toOctalString(value);
        int digits = length - 1;
        StringBuilder padded = new StringBuilder();
        for (int i = text.length(); i < digits; i++) {
            padded.append('0');
        }
        padded.append(text);
        byte[] bytes = padded.toString().getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, h, offset, digits);
        h[offset + digits] = 0;
    }
}
