package dev.berth.dockerapi.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Docker's filters parameter in both shapes, its bounds, and the reference glob. */
class DockerFiltersTest {

    @Test
    void readsTheListAndTheSetShape() {
        DockerFilters list = DockerFilters.parse("{\"type\":[\"container\",\"image\"]}");
        DockerFilters set = DockerFilters.parse("{\"type\":{\"container\":true,\"image\":true,\"volume\":false}}");
        assertEquals(List.of("container", "image"), list.get("type"));
        assertEquals(Set.of("container", "image"), Set.copyOf(set.get("type")));
        assertTrue(set.accepts("type", "image"));
        assertFalse(set.accepts("type", "volume"));
        assertTrue(set.accepts("event", "anything"));
        assertTrue(DockerFilters.parse(null).isEmpty());
        assertTrue(DockerFilters.parse("").isEmpty());
    }

    @Test
    void refusesMalformedAndOversizedFilters() {
        for (String bad : List.of("[]", "{\"a\":1}", "{\"a\":[1]}", "nope", "{\"a\":[\"x\"]", "\"text\"")) {
            assertEquals(400, assertThrows(DockerException.class, () -> DockerFilters.parse(bad)).status(), bad);
        }
        String many = "{\"a\":[" + String.join(",", java.util.Collections.nCopies(300, "\"v\"")) + "]}";
        assertTrue(assertThrows(DockerException.class, () -> DockerFilters.parse(many)).getMessage().contains("values"));
        assertEquals(400, assertThrows(DockerException.class,
                () -> DockerFilters.parse("{\"a\":[\"" + "x".repeat(DockerFilters.MAX_TEXT) + "\"]}")).status());
        DockerException unknown = assertThrows(DockerException.class,
                () -> DockerFilters.parse("{\"zzz\":[\"1\"]}").requireKeys(Set.of("type")));
        assertEquals("invalid filter 'zzz'", unknown.getMessage());
    }

    @Test
    void globMatchesLikeDockersReferenceFilter() {
        assertTrue(Glob.matches("busy*", "busybox"));
        assertTrue(Glob.matches("busybox:*", "busybox:latest"));
        assertTrue(Glob.matches("b?sybox", "busybox"));
        assertFalse(Glob.matches("*", "127.0.0.1:5000/busybox"));
        assertTrue(Glob.matches("*/*", "127.0.0.1:5000/busybox"));
        assertFalse(Glob.matches("busy", "busybox"));
    }

    @Test
    @Timeout(5)
    void aHostileGlobStaysCheap() {
        assertFalse(Glob.matches("*a".repeat(2000) + "b", "a".repeat(10_000)));
    }

    @Test
    void timesAreUnixSecondsOrRfc3339() {
        assertEquals(java.time.Instant.ofEpochSecond(1764400000, 500_000_000),
                DockerTime.parse("since", "1764400000.5"));
        assertEquals(java.time.Instant.ofEpochSecond(1764400000), DockerTime.parse("since", "1764400000"));
        assertEquals(java.time.Instant.parse("2026-11-29T10:00:00Z"), DockerTime.parse("until", "2026-11-29T10:00:00Z"));
        assertEquals(400, assertThrows(DockerException.class, () -> DockerTime.parse("since", "-1")).status());
        assertEquals(400, assertThrows(DockerException.class, () -> DockerTime.parse("since", "9".repeat(40))).status());
    }

    @Test
    void familiarNames() {
        assertEquals("busybox:latest", DockerNames.familiar("docker.io/library/busybox:latest"));
        assertEquals("me/app:1", DockerNames.familiar("docker.io/me/app:1"));
        assertEquals("127.0.0.1:5000/busybox:latest", DockerNames.familiar("127.0.0.1:5000/busybox:latest"));
        assertEquals("busybox@sha256:" + "a".repeat(64),
                DockerNames.repoDigest("docker.io/library/busybox:latest", "sha256:" + "a".repeat(64)));
    }
}
