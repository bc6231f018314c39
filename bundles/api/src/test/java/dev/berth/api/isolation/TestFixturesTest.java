package dev.berth.api.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fixtures module tests share: option maps of the contract, and fields applied as the spec stage does. */
class TestFixturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void optionsKeepOrderAndCollectRepeatedNames() {
        Map<String, List<String>> options = IsolationModuleContract.options("cap-drop", "ALL", "cap-add", "CHOWN",
                "cap-add", "KILL");
        assertEquals(List.of("cap-drop", "cap-add"), List.copyOf(options.keySet()));
        assertEquals(Map.of("cap-drop", List.of("ALL"), "cap-add", List.of("CHOWN", "KILL")), options);
        assertEquals(Map.of(), IsolationModuleContract.options());
        assertThrows(UnsupportedOperationException.class, () -> options.put("x", List.of()));
        assertThrows(UnsupportedOperationException.class, () -> options.get("cap-add").add("x"));
        assertThrows(IllegalArgumentException.class, () -> IsolationModuleContract.options("cap-add"));
    }

    @Test
    void refusalNamesWhatTheMessageMustMention() {
        assertEquals(new IsolationModuleContract.Refusal(Map.of("pid", List.of("bogus")), "--pid bogus"),
                IsolationModuleContract.refusal("--pid bogus", "pid", "bogus"));
    }

    @Test
    void applyingSetsReplacesMakesParentsAndRemoves() throws Exception {
        ObjectNode spec = (ObjectNode) JSON.readTree(IsolationModuleContract.BASE_SPEC);
        Contribution contribution = Contribution.builder()
                .set("/linux/namespaces", "[{\"type\":\"pid\"}]", "replaced")
                .set("/linux/resources/memory", "{\"limit\":1}", "parent exists")
                .set("/linux/seccomp/defaultAction", "\"SCMP_ACT_ALLOW\"", "parent made")
                .set("/ociVersion", "\"1.1.0\"", "top level")
                .remove("/hostname", "removed")
                .remove("/annotations/none", "nothing there to remove")
                .build();
        assertEquals(spec, BusyboxBundle.applying(spec, contribution));
        assertEquals(JSON.readTree("[{\"type\":\"pid\"}]"), spec.at("/linux/namespaces"));
        assertEquals(1, spec.at("/linux/resources/memory/limit").asInt());
        assertEquals(1, spec.at("/linux/resources/devices").size(), "siblings stay");
        assertEquals("SCMP_ACT_ALLOW", spec.at("/linux/seccomp/defaultAction").asText());
        assertEquals("1.1.0", spec.get("ociVersion").asText());
        assertFalse(spec.has("hostname"));
        assertFalse(spec.has("annotations"));
    }

    @Test
    void applyingThroughANonObjectFails() throws Exception {
        ObjectNode spec = (ObjectNode) JSON.readTree(IsolationModuleContract.BASE_SPEC);
        Contribution contribution = Contribution.builder().set("/hostname/x", "1", "hostname is text").build();
        assertThrows(IllegalArgumentException.class, () -> BusyboxBundle.applying(spec, contribution));
    }
}
