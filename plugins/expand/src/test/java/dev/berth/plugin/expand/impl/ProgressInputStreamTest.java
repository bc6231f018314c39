package dev.berth.plugin.expand.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressInputStreamTest {

    @Test
    void reportsEveryStepOfBytesReadAndPassesTheBytesThrough() throws IOException {
        byte[] data = new byte[(int) (ProgressInputStream.STEP * 2 + 1000)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        List<Long> reports = new ArrayList<>();
        try (InputStream in = new ProgressInputStream(new ByteArrayInputStream(data),
                (item, status, current, total) -> {
                    assertEquals("abc", item);
                    assertEquals("expanding", status);
                    assertEquals(data.length, total);
                    reports.add(current);
                }, "abc", data.length)) {
            byte[] copy = in.readAllBytes();
            assertArrayEquals(data, copy);
        }
        assertEquals(2, reports.size(), reports.toString());
        assertEquals(ProgressInputStream.STEP, (long) reports.get(0), "not before a whole step was read");
    }

    @Test
    void singleByteReadsAndSkipsCountToo() throws IOException {
        List<Long> reports = new ArrayList<>();
        byte[] data = new byte[(int) ProgressInputStream.STEP + 10];
        try (InputStream in = new ProgressInputStream(new ByteArrayInputStream(data),
                (item, status, current, total) -> reports.add(current), "x", data.length)) {
            in.skip(ProgressInputStream.STEP - 1);
            assertEquals(List.of(), reports);
            in.read();
            assertEquals(List.of(ProgressInputStream.STEP), reports);
        }
    }
}
