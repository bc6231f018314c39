package dev.berth.plugin.capabilities.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.isolation.Capabilities;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationRequest;
import dev.berth.api.isolation.SpecField;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs a busybox container with the real runc (root only) whose config.json carries this module's fields,
 * reading the engine's real bounding set from /proc/self/status, and checks that the capability masks the
 * kernel reports for the container's process (CapBnd, CapEff, CapPrm in /proc/self/status, decoded)
 * equal what the spec asked for, that NoNewPrivs follows the option, and what --privileged opens.
 * Skipped, with the reason printed, where runc or busybox is missing or the tests do not run as root.
 */
class RuncCapabilitiesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    /** A config.json like the spec stage's base: Docker's mounts, masked and read-only paths, deny-all devices. */
    static final String BASE = """
            {"ociVersion":"1.0.2",
             "process":{"terminal":false,"user":{"uid":0,"gid":0},"args":["sh"],"env":["PATH=/bin"],"cwd":"/",
              "capabilities":{"bounding":[],"effective":[],"permitted":[]},"noNewPrivileges":false},
             "root":{"path":"rootfs","readonly":true},"hostname":"captest",
             "mounts":[
              {"destination":"/proc","type":"proc","source":"proc"},
              {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},
              {"destination":"/dev/pts","type":"devpts","source":"devpts","options":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"]},
              {"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid","noexec","nodev","ro"]}],
             "linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}]},
              "namespaces":[{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}],
              "maskedPaths":["/proc/kcore","/proc/keys","/proc/timer_list","/sys/firmware"],
              "readonlyPaths":["/proc/bus","/proc/fs","/proc/irq","/proc/sys","/proc/sysrq-trigger"]}}
            """;
    static final String SCRIPT = "cat /proc/self/status; echo ===mounts; cat /proc/self/mounts; echo ===device;"
            + " mknod /dev/probe b 7 0 && (exec 3</dev/probe) 2>&1 && echo device-opened; true";

    @TempDir
    Path dir;
    Path runc;
    Path rootfs;

    @BeforeEach
    void setUp() throws Exception {
        Optional<Path> found = onPath("runc");
        String skip = found.isEmpty() ? "runc is not on PATH" : !isRoot() ? "not running as root"
                : !Files.isExecutable(Path.of("/bin/busybox")) ? "no /bin/busybox (busybox-static)" : null;
        if (skip != null) {
            System.out.println("RuncCapabilitiesTest skipped: " + skip);
        }
        Assumptions.assumeTrue(skip == null, skip);
        runc = found.get();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        rootfs = Files.createDirectories(dir.resolve("bundle/rootfs"));
        Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        for (String applet : List.of("sh", "cat", "grep", "mknod")) {
            Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
        }
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
        Outcome outcome = run(Map.of("cap-drop", List.of("ALL")));
        outcome.assertMasksMatchTheSpec();
        assertEquals(0L, outcome.mask("CapBnd"), outcome.output);
        assertEquals(0L, outcome.mask("CapEff"), outcome.output);
    }

    @Test
    void capAddNetAdmin() throws Exception {
        Outcome outcome = run(Map.of("cap-add", List.of("NET_ADMIN")));
        outcome.assertMasksMatchTheSpec();
        assertTrue(outcome.sorted("CapEff").contains("CAP_NET_ADMIN"), outcome.output);
        assertEquals(15, outcome.sorted("CapEff").size(), outcome.output);
    }

    @Test
    void privilegedGetsWhatTheEngineHoldsUnmaskedPathsAndDevices() throws Exception {
        Outcome outcome = run(Map.of("privileged", List.of("true")));
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
        Outcome outcome = run(Map.of("security-opt", List.of("no-new-privileges=false")));
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
        ObjectNode config = (ObjectNode) JSON.readTree(BASE);
        Contribution contribution = new CapabilityIsolation(EngineBoundingSet.SELF_STATUS)
                .contribute(new IsolationRequest("captest", "captest", options, BASE, Map.of()));
        for (SpecField field : contribution.fields()) {
            apply(config, field);
        }
        ((ObjectNode) config.get("process")).set("args", JSON.valueToTree(List.of("sh", "-c", SCRIPT)));
        Path bundle = dir.resolve("bundle");
        Files.writeString(bundle.resolve("config.json"), JSON.writeValueAsString(config));

        String id = "berthcaps" + HexFormat.of().formatHex(randomBytes());
        Path state = dir.resolve("runc-state");
        Path log = dir.resolve("runc.out");
        Process process = new ProcessBuilder(runc.toString(), "--root", state.toString(), "run", "--bundle",
                bundle.toString(), id).directory(bundle.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(log.toFile()).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("runc run " + id + " did not finish in 60 s");
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), "runc run " + options + ":\n" + output);
            Map<String, String> status = new HashMap<>();
            for (String line : output.split("\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && (line.startsWith("Cap") || line.startsWith("NoNewPrivs"))) {
                    status.put(line.substring(0, colon), line.substring(colon + 1).trim());
                }
            }
            return new Outcome(config.at("/process/capabilities"), status, output);
        } finally {
            new ProcessBuilder(runc.toString(), "--root", state.toString(), "delete", "--force", id)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                    .waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Sets or removes one field the way the spec stage does: parents made as objects, the last member replaced. */
    static void apply(ObjectNode config, SpecField field) throws IOException {
        String[] members = field.pointer().substring(1).split("/");
        ObjectNode parent = config;
        for (int i = 0; i < members.length - 1; i++) {
            JsonNode next = parent.get(members[i]);
            parent = next instanceof ObjectNode object ? object : parent.putObject(members[i]);
        }
        String last = members[members.length - 1];
        if (field.removes()) {
            parent.remove(last);
        } else {
            parent.set(last, JSON.readTree(field.value()));
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[6];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    private static Optional<Path> onPath(String name) {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static boolean isRoot() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return line.split("\\s+")[1].equals("0");
            }
        }
        return false;
    }
}
