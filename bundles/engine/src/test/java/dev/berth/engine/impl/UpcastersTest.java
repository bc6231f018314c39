package dev.berth.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.container.VolumeMount;
import dev.berth.api.event.ChainHash;
import dev.berth.api.event.EventRecord;
import dev.berth.api.events.ContainerCreated;
import dev.berth.api.events.SpecGenerated;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Records written with version 1 of an event type read as today's version; the stored text is untouched. */
class UpcastersTest {
    private final EventCodec codec = new EventCodec();

    /** A container.created v1 payload as the engine wrote it before isolation modules existed. */
    private static final String CREATED_V1 = """
            {"name":"web","image":"busybox","imageDigest":"sha256:%1$s","runtime":"runc","specDigest":"sha256:%1$s",
             "options":{"command":["sh"],"entrypoint":null,"env":[],"workingDir":null,"user":null,"hostname":null,
             "readOnly":false,"volumes":[{"source":"/srv","target":"/data","readOnly":true}],"tty":false,
             "stdin":false,"runtime":null,"memory":%2$d},"autoRemove":false}""";

    private static EventRecord record(String type, int version, String payload) {
        return new EventRecord(7, 1, type, version, "c", payload, ChainHash.GENESIS, ChainHash.GENESIS);
    }

    @ParameterizedTest(name = "memory {0}")
    @CsvSource({"67108864, 67108864", "0, ''"})
    void createdV1MemoryBecomesTheIsolationOption(long memory, String expected) {
        String payload = CREATED_V1.formatted("a".repeat(64), memory);
        ContainerCreated created = codec.payload(record("container.created", 1, payload), ContainerCreated.class);

        assertEquals(expected.isEmpty() ? Map.of() : Map.of("memory", List.of(expected)), created.options().isolation());
        assertEquals(List.of(new VolumeMount("/srv", "/data", true, null)), created.options().volumes());
        assertEquals("web", created.name());
    }

    @Test
    void specGeneratedV1HasNoModules() {
        SpecGenerated spec = codec.payload(record("spec.generated", 1, "{\"digest\":\"sha256:" + "b".repeat(64)
                + "\",\"args\":[\"sh\"],\"uid\":0,\"gid\":0,\"cwd\":\"/\",\"decisions\":[\"x\"]}"), SpecGenerated.class);
        assertEquals(List.of(), spec.modules());
        assertEquals(List.of("x"), spec.decisions());
    }

    @Test
    void aVersionNewerThanTheEngineKnowsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> codec.payload(record("spec.generated", 9, "{}"), SpecGenerated.class));
        assertTrue(e.getMessage().contains("spec.generated v9, not spec.generated v2"), e.getMessage());
    }
}
