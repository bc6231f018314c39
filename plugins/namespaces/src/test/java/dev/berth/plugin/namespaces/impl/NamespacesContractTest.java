package dev.berth.plugin.namespaces.impl;

import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.isolation.IsolationModuleContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.TestInstance;

/**
 * The SPI contract run against the namespaces module, with a small real rootfs so user namespace option
 * sets shift real files (those sets need root to chown, and are left out, with the reason printed, when
 * the tests do not run as root).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NamespacesContractTest extends IsolationModuleContract {
    private final Path rootfs;

    NamespacesContractTest() throws IOException {
        rootfs = Files.createTempDirectory("berth-ns-contract");
        Files.createDirectories(rootfs.resolve("bin"));
        Files.writeString(rootfs.resolve("bin/tool"), "#!/bin/sh\n");
        Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("tool"));
        rootfs.toFile().deleteOnExit();
    }

    @org.junit.jupiter.api.AfterAll
    void removeRootfs() throws IOException {
        try (var walk = Files.walk(rootfs)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    @Override
    protected IsolationModule module() {
        return new NamespacesModule(config(1_000_000L, 65_536L, 1024));
    }

    @Override
    protected String baseSpec() {
        return TestTrees.spec(rootfs);
    }

    @Override
    protected Map<String, Map<String, List<String>>> validOptions() {
        Map<String, Map<String, List<String>>> sets = new LinkedHashMap<>();
        sets.put("none", options());
        sets.put("pidHost", options("pid", "host"));
        sets.put("ipcHost", options("ipc", "host"));
        sets.put("utsHost", options("uts", "host"));
        sets.put("networkNone", options("network", "none"));
        sets.put("networkHost", options("network", "host"));
        sets.put("cgroupnsHost", options("cgroupns", "host"));
        sets.put("everythingHost", options("pid", "host", "ipc", "host", "uts", "host", "network", "host",
                "cgroupns", "host", "userns", "host"));
        sets.put("lastValueWins", options("network", "host", "network", "none"));
        if (TestTrees.isRoot()) {
            sets.put("usernsAuto", options("userns", "auto"));
            sets.put("uidmap", options("uidmap", "0:200000:65536"));
            sets.put("uidmapAndGidmap", options("uidmap", "0:300000:1000", "uidmap", "1000:400000:64536",
                    "gidmap", "0:300000:65536"));
        } else {
            System.out.println("NamespacesContractTest: user namespace sets left out: chown needs root");
        }
        return sets;
    }

    @Override
    protected Map<String, Refusal> invalidOptions() {
        Map<String, Refusal> refusals = new LinkedHashMap<>();
        refusals.put("pidBogus", refusal("--pid bogus", "pid", "bogus"));
        refusals.put("ipcEmpty", refusal("--ipc", "ipc", ""));
        refusals.put("utsContainer", refusal("--uts container:x", "uts", "container:x"));
        refusals.put("networkBridge", refusal("--network bridge", "network", "bridge"));
        refusals.put("networkContainerEmpty", refusal("--network container:", "network", "container:"));
        refusals.put("networkContainerUnknownPeer", refusal("ghost", "network", "container:ghost"));
        refusals.put("pidContainerUnknownPeer", refusal("--pid", "pid", "container:ghost"));
        refusals.put("cgroupnsBogus", refusal("--cgroupns shared", "cgroupns", "shared"));
        refusals.put("usernsBogus", refusal("--userns keep-id", "userns", "keep-id"));
        refusals.put("uidmapZeroSize", refusal("--uidmap 0:1000:0", "uidmap", "0:1000:0"));
        refusals.put("uidmapNotNumbers", refusal("--uidmap a:b:c", "uidmap", "a:b:c"));
        refusals.put("uidmapTwoParts", refusal("--uidmap 0:1000", "uidmap", "0:1000"));
        refusals.put("uidmapNegative", refusal("--uidmap -1:1000:10", "uidmap", "-1:1000:10"));
        refusals.put("uidmapBeyondMaxId", refusal("--uidmap 0:4294967290:100", "uidmap", "0:4294967290:100"));
        refusals.put("uidmapOverlappingContainerIds", refusal("overlapping uid maps",
                "uidmap", "0:100000:1000", "uidmap", "500:200000:10"));
        refusals.put("gidmapOverlappingHostIds", refusal("overlapping gid maps",
                "uidmap", "0:100000:10", "gidmap", "0:100000:10", "gidmap", "10:100005:10"));
        refusals.put("gidmapAlone", refusal("--gidmap", "gidmap", "0:100000:65536"));
        refusals.put("usernsHostWithUidmap", refusal("--userns host", "userns", "host", "uidmap", "0:100000:65536"));
        refusals.put("usernsAutoWithUidmap", refusal("--userns auto", "userns", "auto", "uidmap", "0:100000:65536"));
        refusals.put("usernsWithNetworkHost", refusal("--network host", "userns", "auto", "network", "host"));
        refusals.put("uidmapWithPidHost", refusal("--pid host", "uidmap", "0:100000:65536", "pid", "host"));
        refusals.put("usernsWithIpcHost", refusal("--ipc host", "userns", "auto", "ipc", "host"));
        refusals.put("uidmapIntoAutoPool", refusal("--uidmap 0:1000000:65536", "uidmap", "0:1000000:65536"));
        refusals.put("uidmapLeavesRootUnmapped", refusal("--uidmap 1:100000:65535", "uidmap", "1:100000:65535"));
        return refusals;
    }

    /** Whether the process user is in the map is a question of the spec, which check does not have. */
    @Override
    protected Set<String> refusedOnlyWithTheSpec() {
        return Set.of("uidmapLeavesRootUnmapped");
    }

    /** A configuration as ConfigAdmin would give it. */
    static NamespacesModule.Config config(long base, long size, int slots) {
        return new NamespacesModule.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return NamespacesModule.Config.class;
            }

            @Override
            public long usernsBase() {
                return base;
            }

            @Override
            public long usernsSize() {
                return size;
            }

            @Override
            public int usernsSlots() {
                return slots;
            }
        };
    }
}
