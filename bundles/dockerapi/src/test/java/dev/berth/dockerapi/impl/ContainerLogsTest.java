package dev.berth.dockerapi.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Docker's bytes for one line of a container's log file: multiplexed frames, raw for a terminal, filters. */
class ContainerLogsTest {
    private static final String OUT = "{\"time\":\"2026-11-29T10:00:01.5Z\",\"stream\":\"stdout\",\"log\":\"hi\\n\"}";
    private static final String ERR = "{\"time\":\"2026-11-29T10:00:02.5Z\",\"stream\":\"stderr\",\"log\":\"oops\\n\"}";

    private static ContainerLogs logs(boolean stdout, boolean stderr, Instant since, boolean timestamps, boolean tty) {
        return new ContainerLogs(new ContainerLogs.Options(stdout, stderr, false, since, null, timestamps, null, tty));
    }

    @Test
    void anEntryIsAFrameNamingItsStream() {
        assertArrayEquals(new byte[] {1, 0, 0, 0, 0, 0, 0, 3, 'h', 'i', '\n'},
                logs(true, true, null, false, false).render(OUT).getBytes());
        assertArrayEquals(new byte[] {2, 0, 0, 0, 0, 0, 0, 5, 'o', 'o', 'p', 's', '\n'},
                logs(true, true, null, false, false).render(ERR).getBytes());
    }

    @Test
    void withATerminalTheBytesAreRawAndTimestampsComeFirst() {
        assertEquals(Buffer.buffer("2026-11-29T10:00:01.500Z hi\n"), logs(true, true, null, true, true).render(OUT));
    }

    @Test
    void streamsTimesAndUnreadableLinesAreFilteredOut() {
        assertNull(logs(true, false, null, false, false).render(ERR));
        assertNull(logs(true, true, Instant.parse("2026-11-29T10:00:02Z"), false, false).render(OUT));
        assertNull(logs(true, true, null, false, false).render("not json"));
        assertNull(logs(true, true, null, false, false).render("  "));
    }
}
