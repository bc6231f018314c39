package dev.berth.plugin.capabilities.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationModuleContract;
import dev.berth.api.isolation.IsolationRequest;
import dev.berth.api.isolation.SpecField;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spec fields, reasons and notes the module contributes, and how it reports a broken status file. */
class CapabilityIsolationTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    Contribution contribute(Map<String, List<String>> options) throws BerthException {
        Path status = FakeStatus.write(dir, "status", FakeStatus.THIS_HOST);
        return new CapabilityIsolation(status).contribute(
                new IsolationRequest("c1", "c1", options, IsolationModuleContract.BASE_SPEC, Map.of()));
    }

    static SpecField field(Contribution contribution, String pointer) {
        return contribution.fields().stream().filter(f -> f.pointer().equals(pointer)).findFirst()
                .orElseThrow(() -> new AssertionError("no field " + pointer + " in " + contribution.fields()));
    }

    static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(n -> values.add(n.asText()));
        return values;
    }

    @Test
    void defaultsSetTheWholeCapabilitiesObjectAndNoNewPrivileges() throws Exception {
        Contribution contribution = contribute(Map.of());
        assertEquals(List.of(CapabilityIsolation.CAPABILITIES, CapabilityIsolation.NO_NEW_PRIVILEGES),
                contribution.fields().stream().map(SpecField::pointer).toList());
        JsonNode caps = JSON.readTree(field(contribution, CapabilityIsolation.CAPABILITIES).value());
        for (String set : List.of("bounding", "effective", "permitted")) {
            assertEquals(CapabilityPlan.DOCKER_DEFAULTS, texts(caps.get(set)), set);
        }
        assertEquals(List.of(), texts(caps.get("inheritable")));
        assertEquals(List.of(), texts(caps.get("ambient")));
        assertEquals(5, caps.size(), caps.toString());
        assertEquals("true", field(contribution, CapabilityIsolation.NO_NEW_PRIVILEGES).value());
        assertTrue(field(contribution, CapabilityIsolation.NO_NEW_PRIVILEGES).reason().startsWith("no-new-privileges by default"));
        assertTrue(field(contribution, CapabilityIsolation.CAPABILITIES).reason()
                .startsWith("Docker's default 14 capabilities: 14 capabilities"));
        assertEquals(Map.of(), contribution.facts());
    }

    @Test
    void oneNotePerCapabilityTheUserNamed() throws Exception {
        Contribution contribution = contribute(Map.of("cap-add", List.of("NET_ADMIN"), "cap-drop", List.of("NET_RAW")));
        assertEquals("Docker's default 14 capabilities plus --cap-add NET_ADMIN, minus --cap-drop NET_RAW: 14 capabilities"
                + " bounding, effective and permitted; inheritable and ambient empty",
                field(contribution, CapabilityIsolation.CAPABILITIES).reason());
        assertEquals(List.of("CAP_NET_ADMIN: added by --cap-add NET_ADMIN", "CAP_NET_RAW: dropped by --cap-drop NET_RAW"),
                contribution.notes());
    }

    @Test
    void noNewPrivilegesCanBeTurnedOffEitherSeparatorAndTheLastWins() throws Exception {
        assertEquals("false", field(contribute(Map.of("security-opt", List.of("no-new-privileges=false"))),
                CapabilityIsolation.NO_NEW_PRIVILEGES).value());
        assertEquals("false", field(contribute(Map.of("security-opt", List.of("no-new-privileges:false"))),
                CapabilityIsolation.NO_NEW_PRIVILEGES).value());
        assertEquals("true", field(contribute(Map.of("security-opt", List.of("no-new-privileges"))),
                CapabilityIsolation.NO_NEW_PRIVILEGES).value());
        SpecField last = field(contribute(Map.of("security-opt", List.of("no-new-privileges=false", "label=disable",
                "no-new-privileges:true"))), CapabilityIsolation.NO_NEW_PRIVILEGES);
        assertEquals("true", last.value());
        assertTrue(last.reason().startsWith("--security-opt no-new-privileges:true: "), last.reason());
    }

    @Test
    void privilegedOpensPathsAndDevicesAndSaysWhatItDoesNotDo() throws Exception {
        Contribution contribution = contribute(Map.of("privileged", List.of("true")));
        assertEquals("[]", field(contribution, CapabilityIsolation.MASKED_PATHS).value());
        assertEquals("[]", field(contribution, CapabilityIsolation.READONLY_PATHS).value());
        JsonNode devices = JSON.readTree(field(contribution, CapabilityIsolation.DEVICES).value());
        assertEquals(JSON.readTree("[{\"allow\":true,\"access\":\"rwm\"}]"), devices);
        JsonNode caps = JSON.readTree(field(contribution, CapabilityIsolation.CAPABILITIES).value());
        assertEquals(FakeStatus.allBut("CAP_SYS_RESOURCE"), texts(caps.get("bounding")));
        assertTrue(field(contribution, CapabilityIsolation.CAPABILITIES).reason().contains("CAP_SYS_RESOURCE"));
        assertTrue(contribution.notes().stream().anyMatch(n -> n.contains("host's devices are not added to /dev")
                && n.contains("/sys")), contribution.notes().toString());
        for (SpecField f : contribution.fields()) {
            assertTrue(f.reason().contains("--privileged") || f.pointer().equals(CapabilityIsolation.NO_NEW_PRIVILEGES),
                    f.pointer() + ": " + f.reason());
        }
    }

    @Test
    void unreadableOrBrokenStatusFileIsUnavailableAndNamed() {
        Map<String, String> broken = Map.of("missing", "", "no-capbnd", "Name:\tjava\n", "not-hex", "CapBnd:\tzz\n");
        for (Map.Entry<String, String> e : broken.entrySet()) {
            Path status = e.getValue().isEmpty() ? dir.resolve("absent") : FakeStatus.write(dir, e.getKey(), e.getValue());
            BerthException error = assertThrows(BerthException.class, () -> new CapabilityIsolation(status)
                    .contribute(new IsolationRequest("c1", "c1", Map.of(), "{}", Map.of())), e.getKey());
            assertEquals(ErrorKind.UNAVAILABLE, error.kind(), e.getKey());
            assertTrue(error.getMessage().startsWith("read the engine's capability bounding set: " + status),
                    error.getMessage());
        }
    }

    @Test
    void readsThisProcesssOwnBoundingSet() throws Exception {
        EngineBoundingSet self = EngineBoundingSet.read(EngineBoundingSet.SELF_STATUS);
        for (String line : java.nio.file.Files.readAllLines(EngineBoundingSet.SELF_STATUS)) {
            if (line.startsWith("CapBnd:")) {
                assertEquals(Long.parseUnsignedLong(line.substring(7).trim(), 16), self.mask());
            }
        }
        assertEquals(dev.berth.api.isolation.Capabilities.names().size(), self.held().size() + self.lacking().size());
    }

    @Test
    void checkRefusesWhatTheEngineLacksAsContributeDoes() {
        CapabilityIsolation module = new CapabilityIsolation(FakeStatus.write(dir, "status", FakeStatus.THIS_HOST));
        CapabilityIsolation blind = new CapabilityIsolation(dir.resolve("missing"));
        for (CapabilityIsolation m : List.of(module, blind)) {
            for (Map<String, List<String>> options : List.of(Map.of("cap-add", List.of("SYS_RESOURCE")),
                    Map.of("cap-add", List.of("NOPE")), Map.of("privileged", List.of("maybe")))) {
                BerthException contributed = assertThrows(BerthException.class, () -> m.contribute(
                        new IsolationRequest("c1", "c1", options, IsolationModuleContract.BASE_SPEC, Map.of())));
                BerthException checked = assertThrows(BerthException.class,
                        () -> m.check(new IsolationRequest("c1", "c1", options, "{}", Map.of())));
                assertEquals(contributed.kind(), checked.kind());
                assertEquals(contributed.getMessage(), checked.getMessage());
            }
        }
    }
}
