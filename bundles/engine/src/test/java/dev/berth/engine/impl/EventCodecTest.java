package dev.berth.engine.impl;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.event.ChainHash;
import dev.berth.api.event.EventRecord;
import dev.berth.api.events.ContainerRemoved;
import dev.berth.api.events.RootfsUnmounted;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** {@link EventCodec#requireType}: the type and version check of {@link EventCodec#payload}, without the decoding. */
class EventCodecTest {
    private final EventCodec codec = new EventCodec();

    private static EventRecord record(String type, int version, String payload) {
        return new EventRecord(12, 1, type, version, "c", payload, ChainHash.GENESIS, ChainHash.GENESIS);
    }

    @Test
    void theRightTypeAndVersionPassWithoutTheirPayloadBeingRead() {
        EventRecord notJson = record("container.removed", 1, "not json at all");
        assertDoesNotThrow(() -> codec.requireType(notJson, ContainerRemoved.class));
        // The same record, decoded, fails: requireType really did not read it.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> codec.payload(notJson, ContainerRemoved.class));
        assertTrue(e.getMessage().startsWith("decode event #12 (container.removed)"), e.getMessage());
    }

    @ParameterizedTest(name = "{0} v{1}")
    @CsvSource({
        "container.exited, 1, 'event #12 is container.exited v1, not container.removed v1'",
        "container.removed, 2, 'event #12 is container.removed v2, not container.removed v1'"})
    void anotherTypeOrANewerVersionIsRefusedAsByPayload(String type, int version, String message) {
        EventRecord r = record(type, version, "{}");
        assertEquals(message, assertThrows(IllegalArgumentException.class,
                () -> codec.requireType(r, ContainerRemoved.class)).getMessage());
        assertEquals(message, assertThrows(IllegalArgumentException.class,
                () -> codec.payload(r, ContainerRemoved.class)).getMessage());
    }

    @Test
    void payloadStillDecodesAfterTheTypeWasCheckedOnce() {
        EventRecord r = record("rootfs.unmounted", 1, "{\"snapshotter\":\"overlay\",\"reason\":\"exited\"}");
        codec.requireType(r, RootfsUnmounted.class);
        assertEquals(new RootfsUnmounted("overlay", "exited"), codec.payload(r, RootfsUnmounted.class));
    }
}
