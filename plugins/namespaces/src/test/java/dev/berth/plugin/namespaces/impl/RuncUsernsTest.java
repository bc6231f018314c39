package dev.berth.plugin.namespaces.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationRequest;
import dev.berth.api.isolation.SpecField;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * Runs the module's namespaces with the real runc (root only): a busybox rootfs, a minimal config.json
 * with the module's fields applied as the spec stage applies them, and what the container sees of itself
 * as the verdict. Skipped, with the reason printed, where runc or busybox is missing or not root.
 */
class RuncUsernsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A config.json like the spec stage's base: runc's default mounts, empty namespaces. */
    private static final String CONFIG = """
            {"ociVersion":"1.0.2","process":{"terminal":false,"user":{"uid":0,"gid":0},"args":["true"],
             "env":["PATH=/bin"],"cwd":"/","capabilities":{"bounding":["CAP_KILL"],"effective":["CAP_KILL"],
             "permitted":["CAP_KILL"]},"noNewPrivileges":true},
             "root":{"path":"ROOTFS","readonly":false},"hostname":"berthns",
             "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
              {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},
              {"destination":"/dev/pts","type":"devpts","source":"devpts","options":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620"]},
              {"destination":"/dev/shm","type":"tmpfs","source":"shm","options":["nosuid","noexec","nodev","mode=1777","size=65536k"]},
              {"destination":"/dev/mqueue","type":"mqueue","source":"mqueue","options":["nosuid","noexec","nodev"]},
              {"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid","noexec","nodev","ro"]}],
             "linux":{"cgroupsPath":"/berth/CGROUP","namespaces":[],"maskedPaths":["/proc/kcore"],
              "readonlyPaths":["/proc/sys"]}}
            """;

    @TempDir
    Path dir;
    Path runc;
    Path rootfs;

    @BeforeEach
    void setUp() throws Exception {
        Optional<Path> found = onPath("runc");
        String skip = found.isEmpty() ? "runc is not on PATH" : !TestTrees.isRoot() ? "not running as root"
                : !Files.isExecutable(Path.of("/bin/busybox")) ? "no /bin/busybox (busybox-static)" : null;
        if (skip != null) {
            System.out.println("RuncUsernsTest skipped: " + skip);
        }
        Assumptions.assumeTrue(skip == null, skip);
        runc = found.get();
        // The mapped root must be able to reach its rootfs: every directory on the way is 0755.
        Files.setAttribute(dir, "unix:mode", 0755);
        rootfs = Files.createDirectories(dir.resolve("rootfs"));
        Files.setAttribute(rootfs, "unix:mode", 0755);
        Files.createDirectories(rootfs.resolve("bin"));
        Files.createDirectories(rootfs.resolve("tmp"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        for (String applet : List.of("sh", "cat", "id", "readlink", "touch", "hostname")) {
            Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
        }
    }

    @Test
    void usernsAutoMapsRootToTheAllocatedRange() throws Exception {
        NamespaceIsolation module = new NamespaceIsolation(3_000_000L, 65_536L, 4);
        String script = "cat /proc/self/uid_map; echo uid=$(id -u) gid=$(id -g) pid=$$;"
                + " readlink /proc/1/exe; touch /tmp/made-inside; hostname";
        Result result = run(module, Map.of("userns", List.of("auto"), "network", List.of("none")), Map.of(),
                script);
        assertEquals(0, result.exitCode, result.output);
        assertTrue(result.output.matches("(?s)\\s*0\\s+3000000\\s+65536\\s*\n.*"), "uid_map:\n" + result.output);
        assertTrue(result.output.contains("uid=0 gid=0 pid=1\n"), result.output);
        assertTrue(result.output.contains("/bin/busybox\n"), "pid 1 is the container's sh:\n" + result.output);
        assertTrue(result.output.contains("berthns"), "own uts namespace with the spec's hostname:\n" + result.output);
        assertEquals("3000000:3000000", TestTrees.owner(rootfs.resolve("tmp/made-inside")),
                "a file root made inside is owned by the mapped host uid");
        assertEquals("3000000:3000000", TestTrees.owner(rootfs.resolve("bin/busybox")));
    }

    @Test
    void explicitSplitMapIsWhatTheKernelApplies() throws Exception {
        NamespaceIsolation module = new NamespaceIsolation(3_000_000L, 65_536L, 4);
        Result result = run(module, Map.of("uidmap", List.of("0:400000:1000", "1000:600000:64536"), "gidmap",
                List.of("0:500000:65536")), Map.of(), "cat /proc/self/uid_map /proc/self/gid_map; id -u");
        assertEquals(0, result.exitCode, result.output);
        String squeezed = result.output.replaceAll("[ \t]+", " ").replaceAll("(?m)^ ", "");
        assertTrue(squeezed.startsWith("0 400000 1000\n1000 600000 64536\n0 500000 65536\n0\n"), squeezed);
        assertEquals("400000:500000", TestTrees.owner(rootfs));
    }

    @Test
    void joinsAPeersNetworkNamespace() throws Exception {
        Process peer = new ProcessBuilder("unshare", "--net", "sleep", "60").start();
        try {
            Path ns = Path.of("/proc", Long.toString(peer.pid()), "ns", "net");
            String peerNet = "";
            for (int i = 0; i < 100 && (peerNet.isEmpty() || peerNet.equals(hostNet())); i++) {
                Thread.sleep(20); // unshare execs sleep once the new namespace is made
                peerNet = Files.readSymbolicLink(ns).toString();
            }
            NamespaceIsolation module = new NamespaceIsolation(3_000_000L, 65_536L, 4);
            Result result = run(module, Map.of("network", List.of("container:peer"), "uts", List.of("host")),
                    Map.of("peer", (int) peer.pid()), "readlink /proc/self/ns/net; hostname");
            assertEquals(0, result.exitCode, result.output);
            assertTrue(result.output.startsWith(peerNet + "\n"), "expected " + peerNet + ":\n" + result.output);
            String hostName = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            assertTrue(result.output.contains(hostName + "\n"), "--uts host keeps the host's name:\n" + result.output);
        } finally {
            peer.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String hostNet() throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
    }

    private record Result(int exitCode, String output) {
    }

    /** Contributes for {@code options}, applies the fields to {@link #CONFIG} and runs {@code script}. */
    private Result run(NamespaceIsolation module, Map<String, List<String>> options, Map<String, Integer> peers,
            String script) throws Exception {
        String id = "berthns" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        String base = CONFIG.replace("ROOTFS", rootfs.toString()).replace("CGROUP", id);
        Contribution contribution = module.contribute(new IsolationRequest(id, "test", options, base, peers));
        ObjectNode config = (ObjectNode) JSON.readTree(base);
        for (SpecField field : contribution.fields()) {
            apply(config, field);
        }
        config.with("process").set("args", JSON.valueToTree(List.of("sh", "-c", script)));
        Path bundle = Files.createDirectories(dir.resolve("bundle-" + id));
        Files.setAttribute(bundle, "unix:mode", 0755);
        Files.writeString(bundle.resolve("config.json"), JSON.writeValueAsString(config));
        Path state = dir.resolve("runc-state");
        Path log = dir.resolve(id + ".out");
        Process process = new ProcessBuilder(runc.toString(), "--root", state.toString(), "run", "--bundle",
                bundle.toString(), id).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(log.toFile()).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("runc run " + id + " did not finish in 60 s");
            }
            return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            new ProcessBuilder(runc.toString(), "--root", state.toString(), "delete", "--force", id)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                    .waitFor(30, TimeUnit.SECONDS);
            module.release(id, contribution.facts());
        }
    }

    /** Sets or removes one field as the spec stage does: the value replaces whatever was at the pointer. */
    private static void apply(ObjectNode config, SpecField field) throws IOException {
        String[] names = field.pointer().substring(1).split("/");
        ObjectNode parent = config;
        for (int i = 0; i < names.length - 1; i++) {
            parent = parent.with(names[i]);
        }
        String last = names[names.length - 1];
        if (field.removes()) {
            parent.remove(last);
        } else {
            JsonNode value = JSON.readTree(field.value());
            parent.set(last, value);
        }
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
}
