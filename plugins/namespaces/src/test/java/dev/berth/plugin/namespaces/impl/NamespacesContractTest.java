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
        sets.put("none", Map.of());
        sets.put("pidHost", Map.of("pid", List.of("host")));
        sets.put("ipcHost", Map.of("ipc", List.of("host")));
        sets.put("utsHost", Map.of("uts", List.of("host")));
        sets.put("networkNone", Map.of("network", List.of("none")));
        sets.put("networkHost", Map.of("network", List.of("host")));
        sets.put("cgroupnsHost", Map.of("cgroupns", List.of("host")));
        sets.put("everythingHost", Map.of("pid", List.of("host"), "ipc", List.of("host"), "uts", List.of("host"),
                "network", List.of("host"), "cgroupns", List.of("host"), "userns", List.of("host")));
        sets.put("lastValueWins", Map.of("network", List.of("host", "none")));
        if (TestTrees.isRoot()) {
            sets.put("usernsAuto", Map.of("userns", List.of("auto")));
            sets.put("uidmap", Map.of("uidmap", List.of("0:200000:65536")));
            sets.put("uidmapAndGidmap", Map.of("uidmap", List.of("0:300000:1000", "1000:400000:64536"),
                    "gidmap", List.of("0:300000:65536")));
        } else {
            System.out.println("NamespacesContractTest: user namespace sets left out: chown needs root");
        }
        return sets;
    }

    @Override
    protected Map<String, Refusal> invalidOptions() {
        Map<String, Refusal> refusals = new LinkedHashMap<>();
        refusals.put("pidBogus", new Refusal(Map.of("pid", List.of("bogus")), "--pid bogus"));
        refusals.put("ipcEmpty", new Refusal(Map.of("ipc", List.of("")), "--ipc"));
        refusals.put("utsContainer", new Refusal(Map.of("uts", List.of("container:x")), "--uts container:x"));
        refusals.put("networkBridge", new Refusal(Map.of("network", List.of("bridge")), "--network bridge"));
        refusals.put("networkContainerEmpty", new Refusal(Map.of("network", List.of("container:")),
                "--network container:"));
        refusals.put("networkContainerUnknownPeer", new Refusal(Map.of("network", List.of("container:ghost")),
                "ghost"));
        refusals.put("pidContainerUnknownPeer", new Refusal(Map.of("pid", List.of("container:ghost")), "--pid"));
        refusals.put("cgroupnsBogus", new Refusal(Map.of("cgroupns", List.of("shared")), "--cgroupns shared"));
        refusals.put("usernsBogus", new Refusal(Map.of("userns", List.of("keep-id")), "--userns keep-id"));
        refusals.put("uidmapZeroSize", new Refusal(Map.of("uidmap", List.of("0:1000:0")), "--uidmap 0:1000:0"));
        refusals.put("uidmapNotNumbers", new Refusal(Map.of("uidmap", List.of("a:b:c")), "--uidmap a:b:c"));
        refusals.put("uidmapTwoParts", new Refusal(Map.of("uidmap", List.of("0:1000")), "--uidmap 0:1000"));
        refusals.put("uidmapNegative", new Refusal(Map.of("uidmap", List.of("-1:1000:10")), "--uidmap -1:1000:10"));
        refusals.put("uidmapBeyondMaxId", new Refusal(Map.of("uidmap", List.of("0:4294967290:100")),
                "--uidmap 0:4294967290:100"));
        refusals.put("uidmapOverlappingContainerIds", new Refusal(Map.of("uidmap",
                List.of("0:100000:1000", "500:200000:10")), "overlapping uid maps"));
        refusals.put("gidmapOverlappingHostIds", new Refusal(Map.of("uidmap", List.of("0:100000:10"), "gidmap",
                List.of("0:100000:10", "10:100005:10")), "overlapping gid maps"));
        refusals.put("gidmapAlone", new Refusal(Map.of("gidmap", List.of("0:100000:65536")), "--gidmap"));
        refusals.put("usernsHostWithUidmap", new Refusal(Map.of("userns", List.of("host"), "uidmap",
                List.of("0:100000:65536")), "--userns host"));
        refusals.put("usernsAutoWithUidmap", new Refusal(Map.of("userns", List.of("auto"), "uidmap",
                List.of("0:100000:65536")), "--userns auto"));
        refusals.put("usernsWithNetworkHost", new Refusal(Map.of("userns", List.of("auto"), "network",
                List.of("host")), "--network host"));
        refusals.put("uidmapWithPidHost", new Refusal(Map.of("uidmap", List.of("0:100000:65536"), "pid",
                List.of("host")), "--pid host"));
        refusals.put("usernsWithIpcHost", new Refusal(Map.of("userns", List.of("auto"), "ipc", List.of("host")),
                "--ipc host"));
        refusals.put("uidmapIntoAutoPool", new Refusal(Map.of("uidmap", List.of("0:1000000:65536")),
                "--uidmap 0:1000000:65536"));
        refusals.put("uidmapLeavesRootUnmapped", new Refusal(Map.of("uidmap", List.of("1:100000:65535")),
                "--uidmap 1:100000:65535"));
        return refusals;
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
