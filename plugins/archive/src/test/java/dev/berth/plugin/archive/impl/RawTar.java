package dev.berth.plugin.archive.impl;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds tar bytes entry by entry with any name and type, including the hostile ones a real archiver
 * refuses to write. Not thread-safe.
 */
final class RawTar {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Adds a regular file. */
    RawTar file(String name, byte[] data) {
        return entry(name, '0', data, "");
    }

    /** Adds a regular file holding UTF-8 text. */
    RawTar file(String name, String text) {
        return file(name, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Adds a symlink. */
    RawTar symlink(String name, String target) {
        return entry(name, '2', new byte[0], target);
    }

    /** Adds a hardlink to an earlier entry. */
    RawTar hardlink(String name, String target) {
        return entry(name, '1', new byte[0], target);
    }

    /** Adds a directory. */
    RawTar directory(String name) {
        return entry(name, '5', new byte[0], "");
    }

    /** Adds a character device (type '3'). */
    RawTar charDevice(String name) {
        return entry(name, '3', new byte[0], "");
    }

    /** Adds a PAX extended header whose {@code path} record names the entry added after it. */
    RawTar paxPath(String path) {
        String record = " path=" + path + "\n";
        int length = record.getBytes(StandardCharsets.UTF_8).length;
        int total = length + String.valueOf(length).length();
        if (String.valueOf(total).length() != String.valueOf(length).length()) {
            total++;
        }
        return entry("PaxHeaders/entry", 'x', (total + record).getBytes(StandardCharsets.UTF_8), "");
    }

    /** The archive with its two end blocks. */
    byte[] bytes() {
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        copy.writeBytes(out.toByteArray());
        copy.writeBytes(new byte[1024]);
        return copy.toByteArray();
    }

    /** Adds an entry of any type flag, with {@code data} as its content and {@code link} as its link name. */
    RawTar entry(String name, char type, byte[] data, String link) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", data.length));
        put(h, 136, "00000000000");
        h[156] = (byte) type;
        put(h, 157, link);
        put(h, 257, "ustar");
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        out.writeBytes(h);
        out.writeBytes(data);
        out.writeBytes(new byte[(512 - data.length % 512) % 512]);
        return this;
    }

    private static void put(byte[] h, int offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(bytes, 0, h, offset, bytes.length);
    }
}
