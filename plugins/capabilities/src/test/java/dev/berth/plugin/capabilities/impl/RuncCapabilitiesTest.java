package dev.berth.plugin.capabilities.impl;

import static dev.berth.api.isolation.IsolationModuleContract.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.isolation.BusyboxBundle;
import dev.berth.api.isolation.Capabilities;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs a busybox container with the real runc (root only) whose config.json carries this module's fields,
 * reading the engine's real bounding set from /proc/self/status, and checks that the capability masks the
 * kernel reports for the container's process (CapBnd, CapEff, CapPrm in /proc/self/status, decoded)
 * equal what the spec asked for, that NoNewPrivs follows the option, and what --privileged opens.
 * Skipped, with the reason printed, where runc or busybox is missing or the tests do not run as root.
 * The bundle is {@link BusyboxBundle}'s base config (Docker's mounts, masked and read-only paths, deny-all
 * devices) with the module's fields applied.
 */
class RuncCapabilitiesTest {
    static final String SCRIPT = "cat /proc/self/status; echo ===mounts; cat /proc/self/mounts; echo ===device;"
            + " mknod /dev/probe b 7 0 && (exec 3</dev/probe) 2>&1 && echo device-opened; true";

    @TempDir
    Path dir;
    BusyboxBundle bundle;

    @BeforeEach
    void setUp() throws Exception {
        bundle = BusyboxBundle.forRuntime("runc", dir, "sh", "cat", "grep", "mknod");
    }

    @Test
    void defaultsGiveDockersFourteenAndNoNewPrivileges() throws Exception {
        Outcome outcome = run(Map.of());
        outcome.assertMasksMatchTheSpec();
        assertEquals(CapabilityPlan.DOCKER_DEFAULTS, outcome.sorted("CapBnd"));
        assertEquals("1", outcome.status.get("NoNewPrivs"), outcome.output);
        assertTrue(outcome.mounts().contains(" /proc/keys "), "masked /proc/keys:\n" + outcome.output);
        assertTrue(outcome.mounts().contains(" /proc/sys "), "read-only /proc/sys:\n" + outcome.output);
        assertTrue(outcome.device().contains("Operation not permitted"), "device denied:\n" + outcome.output);
    }

    @Test
    void capDropAllLeavesNothing() throws Exception {
        Outcome outcome = run(options("cap-drop", "ALL"));
        outcome.assertMasksMatchTheSpec();
        assertEquals(0L, outcome.mask("CapBnd"), outcome.output);
        assertEquals(0L, outcome.mask("CapEff"), outcome.output);
    }

    @Test
    void capAddNetAdmin() throws Exception {
        Outcome outcome = run(options("cap-add", "NET_ADMIN"));
        outcome.assertMasksMatchTheSpec();
        assertTrue(outcome.sorted("CapEff").contains("CAP_NET_ADMIN"), outcome.output);
        assertEquals(15, outcome.sorted("CapEff").size(), outcome.output);
    }

    @Test
    void privilegedGetsWhatTheEngineHoldsUnmaskedPathsAndDevices() throws Exception {
        Outcome outcome = run(options("privileged", "true"));
        outcome.assertMasksMatchTheSpec();
        EngineBoundingSet engine = EngineBoundingSet.read(EngineBoundingSet.SELF_STATUS);
        assertEquals(engine.mask(), outcome.mask("CapBnd"), "every capability the engine holds:\n" + outcome.output);
        assertFalse(outcome.mounts().contains(" /proc/keys "), "nothing masked:\n" + outcome.output);
        assertFalse(outcome.mounts().contains(" /proc/sys "), "nothing read-only:\n" + outcome.output);
        assertFalse(outcome.device().contains("Operation not permitted"), "device allowed:\n" + outcome.output);
        assertTrue(outcome.device().contains("device-opened"), "device opened:\n" + outcome.output);
        assertEquals("1", outcome.status.get("NoNewPrivs"), outcome.output);
    }

    @Test
    void noNewPrivilegesFalse() throws Exception {
        Outcome outcome = run(options("security-opt", "no-new-privileges=false"));
        outcome.assertMasksMatchTheSpec();
        assertEquals("0", outcome.status.get("NoNewPrivs"), outcome.output);
    }

    /** What the container printed, and the capability object its spec asked for. */
    record Outcome(JsonNode asked, Map<String, String> status, String output) {
        long mask(String line) {
            String hex = status.get(line);
            assertTrue(hex != null, "no " + line + " line in:\n" + output);
            return Capabilities.parseMask(hex);
        }

        List<String> sorted(String line) {
            List<String> names = new ArrayList<>(Capabilities.decode(mask(line)));
            names.sort(null);
            return names;
        }

        void assertMasksMatchTheSpec() {
            for (String[] pair : new String[][] {{"CapBnd", "bounding"}, {"CapEff", "effective"}, {"CapPrm", "permitted"},
                    {"CapInh", "inheritable"}, {"CapAmb", "ambient"}}) {
                List<String> wanted = new ArrayList<>();
                asked.get(pair[1]).forEach(n -> wanted.add(n.asText()));
                assertEquals(wanted, sorted(pair[0]), pair[0] + " against " + pair[1] + ":\n" + output);
            }
        }

        String mounts() {
            return between("===mounts", "===device");
        }

        String device() {
            return between("===device", null);
        }

        private String between(String start, String end) {
            int from = output.indexOf(start);
            int to = end == null ? output.length() : output.indexOf(end);
            assertTrue(from >= 0 && to >= from, "markers " + start + " in:\n" + output);
            return output.substring(from, to);
        }
    }

    private Outcome run(Map<String, List<String>> options) throws Exception {
        ObjectNode base = bundle.baseConfig("sh", "-c", SCRIPT);
        Contribution contribution = new CapabilityIsolation(EngineBoundingSet.SELF_STATUS)
                .contribute(new IsolationRequest("captest", "captest", options, base.toString(), Map.of()));
        ObjectNode config = BusyboxBundle.applying(base, contribution);
        BusyboxBundle.Run run = bundle.run("runc", config);
        assertEquals(0, run.exitCode(), "runc run " + options + ":\n" + run.output());
        Map<String, String> status = new HashMap<>();
        for (String line : run.output().split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && (line.startsWith("Cap") || line.startsWith("NoNewPrivs"))) {
                status.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return new Outcome(config.at("/process/capabilities"), status, run.output());
    }
}
