package dev.berth.plugin.namespaces.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.IsolationRequest;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Parsing and cross-checking of the namespace options, valid and hostile, and of id maps. */
class NamespaceOptionsTest {
    static Stream<Arguments> valid() {
        return Stream.of(
                Arguments.of("none", Map.of(), "PRIVATE PRIVATE PRIVATE PRIVATE PRIVATE HOST"),
                Arguments.of("hosts", Map.of("pid", List.of("host"), "ipc", List.of("host"), "uts", List.of("host"),
                        "network", List.of("host"), "cgroupns", List.of("host")), "HOST HOST HOST HOST HOST HOST"),
                Arguments.of("joins", Map.of("pid", List.of("container:a"), "ipc", List.of("container:b"),
                        "network", List.of("container:c")), "CONTAINER CONTAINER CONTAINER PRIVATE PRIVATE HOST"),
                Arguments.of("lastWins", Map.of("pid", List.of("host", "private")),
                        "PRIVATE PRIVATE PRIVATE PRIVATE PRIVATE HOST"),
                Arguments.of("auto", Map.of("userns", List.of("auto")), "PRIVATE PRIVATE PRIVATE PRIVATE PRIVATE AUTO"),
                Arguments.of("uidmap", Map.of("uidmap", List.of("0:100000:65536")),
                        "PRIVATE PRIVATE PRIVATE PRIVATE PRIVATE EXPLICIT"),
                Arguments.of("uidmapCommaJoined", Map.of("uidmap", List.of("0:100000:10,10:200000:10")),
                        "PRIVATE PRIVATE PRIVATE PRIVATE PRIVATE EXPLICIT"),
                Arguments.of("usernsHost", Map.of("userns", List.of("host"), "network", List.of("host")),
                        "PRIVATE PRIVATE HOST PRIVATE PRIVATE HOST"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void parses(String name, Map<String, List<String>> options, String expected) throws Exception {
        NamespaceOptions o = NamespaceOptions.parse(request(options));
        assertEquals(expected, o.pid().kind() + " " + o.ipc().kind() + " " + o.network().kind() + " "
                + o.uts().kind() + " " + o.cgroup().kind() + " " + o.userns());
    }

    static Stream<Arguments> hostile() {
        return Stream.of(
                Arguments.of("PidBogus", Map.of("pid", List.of("bogus")),
                        "--pid bogus: not a pid namespace mode; valid values are private, host, container:NAME"),
                Arguments.of("NetworkContainerEmpty", Map.of("network", List.of("container:")),
                        "--network container:: give the container's name or id after container:"),
                Arguments.of("NetworkContainerBlank", Map.of("network", List.of("container:  ")),
                        "--network container:  : give the container's name or id after container:"),
                Arguments.of("NetworkEmpty", Map.of("network", List.of("")),
                        "--network \"\": not a network namespace mode; valid values are private, none, host, container:NAME"),
                Arguments.of("UtsNone", Map.of("uts", List.of("none")),
                        "--uts none: not a uts mode; valid values are private, host"),
                Arguments.of("UidmapZeroSize", Map.of("uidmap", List.of("0:1000:0")),
                        "--uidmap 0:1000:0: the size must be 1 or more"),
                Arguments.of("UidmapHexNumber", Map.of("uidmap", List.of("0:0x10:5")),
                        "--uidmap 0:0x10:5: the host id \"0x10\" is not a number"),
                Arguments.of("UidmapHugeNumber", Map.of("uidmap", List.of("0:99999999999:5")),
                        "--uidmap 0:99999999999:5: the host id \"99999999999\" is not a number"),
                Arguments.of("UidmapOverflow", Map.of("uidmap", List.of("4294967000:0:1000")),
                        "--uidmap 4294967000:0:1000: the range ends beyond the largest id 4294967294"),
                Arguments.of("UidmapEmptyPart", Map.of("uidmap", List.of("0:100000:10,")),
                        "--uidmap 0:100000:10,: expected CONTAINER_ID:HOST_ID:SIZE, like 0:1000000:65536"),
                Arguments.of("OverlappingContainerRanges", Map.of("uidmap", List.of("0:100000:1000", "500:200000:10")),
                        "--uidmap 0:100000:1000 --uidmap 500:200000:10: overlapping uid maps: container ids of"
                                + " 0:100000:1000 and 500:200000:10 overlap"),
                Arguments.of("OverlappingHostRanges", Map.of("uidmap", List.of("0:100000:1000", "2000:100999:10")),
                        "--uidmap 0:100000:1000 --uidmap 2000:100999:10: overlapping uid maps: host ids of"
                                + " 0:100000:1000 and 2000:100999:10 overlap"),
                Arguments.of("GidmapAlone", Map.of("gidmap", List.of("0:1:1")),
                        "--gidmap 0:1:1: give --uidmap as well (a --uidmap alone also maps gids the same way)"),
                Arguments.of("UsernsKeepId", Map.of("userns", List.of("keep-id")),
                        "--userns keep-id: not a user namespace mode; valid values are host, auto"),
                Arguments.of("UsernsAutoNetworkContainer", Map.of("userns", List.of("auto"), "network",
                        List.of("container:db")), "--network container:db: cannot be combined with --userns auto: the"
                                + " container's user namespace would not own that network namespace, so the runtime"
                                + " could not mount sysfs on /sys; drop one of the two"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void refuses(String name, Map<String, List<String>> options, String message) {
        BerthException e = assertThrows(BerthException.class, () -> NamespaceOptions.parse(request(options)));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertEquals(message, e.getMessage());
    }

    @Test
    void uidmapAloneMapsGidsTheSame() throws Exception {
        NamespaceOptions o = NamespaceOptions.parse(request(Map.of("uidmap", List.of("0:100000:65536"))));
        assertEquals(o.uidMap(), o.gidMap());
        assertEquals("0:100000:65536", o.gidMap().orElseThrow().toString());
    }

    @Test
    void idMapTranslatesBothWays() {
        IdMap map = IdMap.parse("0:100000:1000,1000:300000:10");
        assertEquals(OptionalLong.of(100000), map.toHost(0));
        assertEquals(OptionalLong.of(100999), map.toHost(999));
        assertEquals(OptionalLong.of(300009), map.toHost(1009));
        assertEquals(OptionalLong.empty(), map.toHost(1010));
        assertEquals(OptionalLong.of(1005), map.toContainer(300005));
        assertEquals(OptionalLong.empty(), map.toContainer(99999));
        assertEquals("0:100000:1000,1000:300000:10", map.toString());
        assertTrue(map.json().startsWith("[{\"containerID\":0,\"hostID\":100000,\"size\":1000},"));
    }

    private static IsolationRequest request(Map<String, List<String>> options) {
        return new IsolationRequest("c", "c", options, "{}", Map.of());
    }
}
