package dev.berth.api.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class EventDraftsTest {
    @EventType(name = "test.drafted", version = 3)
    record Drafted(String text, long count, boolean flag, String missing, List<String> items, Inner inner) {
    }

    record Inner(int n) {
    }

    record Undeclared(String x) {
    }

    @Test
    void rendersEveryComponentAsJsonWithTheDeclaredTypeAndVersion() {
        EventDraft draft = EventDrafts.of("s", new Drafted("a \"quoted\"\nline\\", 7, true, null,
                List.of("x", "y"), new Inner(2)));
        assertEquals("test.drafted", draft.type());
        assertEquals(3, draft.version());
        assertEquals("s", draft.subject());
        assertEquals("{\"text\":\"a \\\"quoted\\\"\\nline\\\\\",\"count\":7,\"flag\":true,\"missing\":null,"
                + "\"items\":[\"x\",\"y\"],\"inner\":{\"n\":2}}", draft.payload());
    }

    @Test
    void theSameRecordClassRendersItsOwnValuesEachTime() {
        // The components are read once per class; each draft still reads its own record's values.
        for (int i = 0; i < 3; i++) {
            EventDraft draft = EventDrafts.of("s" + i, new Drafted("t" + i, i, i % 2 == 0, "m",
                    List.of(), new Inner(i * 10)));
            assertEquals("{\"text\":\"t" + i + "\",\"count\":" + i + ",\"flag\":" + (i % 2 == 0)
                    + ",\"missing\":\"m\",\"items\":[],\"inner\":{\"n\":" + (i * 10) + "}}", draft.payload());
        }
    }

    @Test
    void aRecordWithoutEventTypeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> EventDrafts.of("s", new Undeclared("x")));
    }
}
