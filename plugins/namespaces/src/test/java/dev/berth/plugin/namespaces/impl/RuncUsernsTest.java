package dev.berth.plugin.namespaces.impl;

import static dev.berth.api.isolation.IsolationModuleContract.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.isolation.BusyboxBundle;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the module's namespaces with the real runc (root only): a busybox rootfs, {@link BusyboxBundle}'s
 * base config.json with the module's fields applied as the spec stage applies them, and what the container
 * sees of itself as the verdict. Skipped, with the reason printed, where runc or busybox is missing or not root.
 */
class RuncUsernsTest {
    @TempDir
    Path dir;
    BusyboxBundle bundle;

    @BeforeEach
    void setUp() throws Exception {
        bundle = BusyboxBundle.forRuntime("runc", dir, "sh", "cat", "id", "readlink", "touch", "hostname");
    }

    @Test
    void usernsAutoMapsRootToTheAllocatedRange() throws Exception {
        NamespaceIsolation module = new NamespaceIsolation(3_000_000L, 65_536L, 4);
        String script = "cat /proc/self/uid_map; echo uid=$(id -u) gid=$(id -g) pid=$$;"
                + " readlink /proc/1/exe; touch /tmp/made-inside; hostname";
        BusyboxBundle.Run result = run(module, options("userns", "auto", "network", "none"), Map.of(), script);
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().matches("(?s)\\s*0\\s+3000000\\s+65536\\s*\n.*"), "uid_map:\n" + result.output());
        assertTrue(result.output().contains("uid=0 gid=0 pid=1\n"), result.output());
        assertTrue(result.output().contains("/bin/busybox\n"), "pid 1 is the container's sh:\n" + result.output());
        assertTrue(result.output().contains(BusyboxBundle.HOSTNAME), "own uts namespace with the spec's hostname:\n"
                + result.output());
        assertEquals("3000000:3000000", TestTrees.owner(bundle.rootfs().resolve("tmp/made-inside")),
                "a file root made inside is owned by the mapped host uid");
        assertEquals("3000000:3000000", TestTrees.owner(bundle.rootfs().resolve("bin/busybox")));
    }

    /**
     * The daemon's layout: the rootfs's parent, the container's own folder, is 0700 root:root so no host user
     * reaches the container's files. After contribute it is the mapped root's by group (0710), and runc starts
     * the container through it.
     */
    @Test
    void usernsAutoRunsThroughAClosedMountFolder() throws Exception {
        Files.setAttribute(dir, "unix:mode", 0711);
        BusyboxBundle closed = BusyboxBundle.create(dir.resolve("c1"), "sh", "id");
        Path folder = closed.rootfs().getParent();
        Files.setAttribute(folder, "unix:mode", 0700);
        NamespaceIsolation module = new NamespaceIsolation(3_000_000L, 65_536L, 4);
        ObjectNode base = closed.baseConfig("sh", "-c", "echo uid=$(id -u) gid=$(id -g)");
        Contribution contribution = module.contribute(new IsolationRequest("c1", "c1",
                options("userns", "auto", "network", "none"), base.toString(), Map.of()));
        try {
            assertEquals(0710, (Integer) Files.getAttribute(folder, "unix:mode") & 07777);
            assertEquals("0:3000000", TestTrees.owner(folder));
            BusyboxBundle.Run result = closed.run("runc", BusyboxBundle.applying(base, contribution));
            assertEquals(0, result.exitCode(), result.output());
            assertTrue(result.output().contains("uid=0 gid=0\n"), result.output());
        } finally {
            module.release("c1", contribution.facts());
        }
    }

    @Test
    void explicitSplitMapIsWhatTheKernelApplies() throws Exception {
        NamespaceIsolation module = new NamespaceIsolation(3_000_000L, 65_536L, 4);
        BusyboxBundle.Run result = run(module, options("uidmap", "0:400000:1000", "uidmap", "1000:600000:64536",
                "gidmap", "0:500000:65536"), Map.of(), "cat /proc/self/uid_map /proc/self/gid_map; id -u");
        assertEquals(0, result.exitCode(), result.output());
        String squeezed = result.output().replaceAll("[ \t]+", " ").replaceAll("(?m)^ ", "");
        assertTrue(squeezed.startsWith("0 400000 1000\n1000 600000 64536\n0 500000 65536\n0\n"), squeezed);
        assertEquals("400000:500000", TestTrees.owner(bundle.rootfs()));
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
            BusyboxBundle.Run result = run(module, options("network", "container:peer", "uts", "host"),
                    Map.of("peer", (int) peer.pid()), "readlink /proc/self/ns/net; hostname");
            assertEquals(0, result.exitCode(), result.output());
            assertTrue(result.output().startsWith(peerNet + "\n"), "expected " + peerNet + ":\n" + result.output());
            String hostName = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            assertTrue(result.output().contains(hostName + "\n"), "--uts host keeps the host's name:\n" + result.output());
        } finally {
            peer.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String hostNet() throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
    }

    /** Contributes for {@code options}, applies the fields to the bundle's base config and runs {@code script}. */
    private BusyboxBundle.Run run(NamespaceIsolation module, Map<String, List<String>> options,
            Map<String, Integer> peers, String script) throws Exception {
        ObjectNode base = bundle.baseConfig("sh", "-c", script);
        String id = "berthns" + Long.toHexString(System.nanoTime());
        Contribution contribution = module.contribute(new IsolationRequest(id, "test", options, base.toString(),
                peers));
        try {
            return bundle.run("runc", BusyboxBundle.applying(base, contribution));
        } finally {
            module.release(id, contribution.facts());
        }
    }
}
