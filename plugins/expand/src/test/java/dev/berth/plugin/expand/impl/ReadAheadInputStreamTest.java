package dev.berth.plugin.expand.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReadAheadInputStreamTest {
    @Test
    void deliversEveryByteInOrder() throws IOException {
        byte[] data = new byte[3_000_001];
        new Random(1).nextBytes(data);
        try (ReadAheadInputStream in = new ReadAheadInputStream(new ByteArrayInputStream(data), 4096, 3)) {
            assertArrayEquals(data, in.readAllBytes());
            assertEquals(-1, in.read());
        }
    }

    /**
     * Arrays are handed back and filled again: a slow reader taking odd-sized bites across hundreds of reused
     * chunks, with the source returning short reads, must still see every byte as it was.
     */
    @Test
    void reusedChunksNeverChangeBytesNotYetRead() throws IOException {
        byte[] data = new byte[1_000_003];
        new Random(2).nextBytes(data);
        InputStream shortReads = new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1000));
            }
        };
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        try (ReadAheadInputStream in = new ReadAheadInputStream(shortReads, 4096, 2)) {
            byte[] bite = new byte[777];
            int n;
            int turns = 0;
            while ((n = in.read(bite, 0, 1 + turns % bite.length)) >= 0) {
                got.write(bite, 0, n);
                if (++turns % 200 == 0) {
                    Thread.onSpinWait(); // let the producer run ahead and refill spare arrays
                }
            }
        }
        assertArrayEquals(data, got.toByteArray());
    }

    @Test
    void aFailureArrivesAfterTheBytesBeforeIt() throws IOException {
        IOException broken = new IOException("broken at 10000");
        InputStream failing = new InputStream() {
            private int left = 10_000;

            @Override
            public int read() throws IOException {
                if (left-- <= 0) {
                    throw broken;
                }
                return 7;
            }
        };
        try (ReadAheadInputStream in = new ReadAheadInputStream(failing, 4096, 2)) {
            byte[] got = in.readNBytes(10_000);
            assertEquals(10_000, got.length, "every byte before the failure is delivered");
            IOException e = assertThrows(IOException.class, in::read);
            assertSame(broken, e, "the source's own exception");
        }
    }
}
