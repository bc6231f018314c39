package dev.berth.plugin.namespaces.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What the module's fields, notes and facts say for each kind of request. */
class NamespaceIsolationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final NamespaceIsolation module = new NamespaceIsolation(1_000_000L, 65_536L, 4, pid -> pid == 4242);

    /** JUnit makes the folder 0700; a mapped root could not reach a rootfs in it, and the module says so. */
    @BeforeEach
    void openTheFolder() throws Exception {
        Files.setAttribute(dir, "unix:mode", 0711);
    }

    static Stream<Arguments> namespaceLists() {
        return Stream.of(
                Arguments.of("default", Map.of(), "cgroup ipc mount network pid uts"),
                Arguments.of("networkNone", Map.of("network", List.of("none")), "cgroup ipc mount network pid uts"),
                Arguments.of("networkPrivate", Map.of("network", List.of("private")), "cgroup ipc mount network pid uts"),
                Arguments.of("pidHost", Map.of("pid", List.of("host")), "cgroup ipc mount network uts"),
                Arguments.of("ipcHost", Map.of("ipc", List.of("host")), "cgroup mount network pid uts"),
                Arguments.of("utsHost", Map.of("uts", List.of("host")), "cgroup ipc mount network pid"),
                Arguments.of("networkHost", Map.of("network", List.of("host")), "cgroup ipc mount pid uts"),
                Arguments.of("cgroupnsHost", Map.of("cgroupns", List.of("host")), "ipc mount network pid uts"),
                Arguments.of("cgroupnsPrivate", Map.of("cgroupns", List.of("private")),
                        "cgroup ipc mount network pid uts"),
                Arguments.of("networkJoin", Map.of("network", List.of("container:web")),
                        "cgroup ipc mount network=/proc/4242/ns/net pid uts"),
                Arguments.of("pidJoin", Map.of("pid", List.of("container:web")),
                        "cgroup ipc mount network pid=/proc/4242/ns/pid uts"),
                Arguments.of("ipcJoin", Map.of("ipc", List.of("container:web")),
                        "cgroup ipc=/proc/4242/ns/ipc mount network pid uts"),
                Arguments.of("allHost", Map.of("pid", List.of("host"), "ipc", List.of("host"), "uts", List.of("host"),
                        "network", List.of("host"), "cgroupns", List.of("host")), "mount"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("namespaceLists")
    void namespaceListIsSortedAndComplete(String name, Map<String, List<String>> options, String expected)
            throws Exception {
        Contribution c = module.contribute(request("c1", options, Map.of("web", 4242)));
        JsonNode list = JSON.readTree(field(c, "/linux/namespaces").orElseThrow().value());
        StringBuilder got = new StringBuilder();
        for (JsonNode ns : list) {
            got.append(got.length() == 0 ? "" : " ").append(ns.get("type").asText());
            if (ns.has("path")) {
                got.append('=').append(ns.get("path").asText());
            }
            assertTrue(ns.size() <= 2, ns.toString());
        }
        assertEquals(expected, got.toString());
        assertTrue(c.facts().isEmpty(), "no facts without --userns auto: " + c.facts());
        assertTrue(field(c, "/linux/uidMappings").isEmpty());
    }

    @Test
    void utsHostRemovesTheHostname() throws Exception {
        Contribution c = module.contribute(request("c1", Map.of("uts", List.of("host")), Map.of()));
        SpecField hostname = field(c, "/hostname").orElseThrow();
        assertTrue(hostname.removes());
        assertNull(hostname.value());
        assertTrue(field(module.contribute(request("c2", Map.of(), Map.of())), "/hostname").isEmpty());
    }

    @Test
    void notesSayWhatWasAskedFor() throws Exception {
        assertTrue(module.contribute(request("c1", Map.of("network", List.of("none")), Map.of())).notes()
                .contains("new network namespace: loopback only (--network none)"));
        Contribution pidHost = module.contribute(request("c2", Map.of("pid", List.of("host")), Map.of()));
        assertTrue(pidHost.notes().contains("shares the host's pid namespace (--pid host)"), pidHost.notes().toString());
        assertTrue(field(pidHost, "/linux/namespaces").orElseThrow().reason().contains("--pid host"));
        Contribution join = module.contribute(request("c3", Map.of("network", List.of("container:web")),
                Map.of("web", 4242)));
        assertTrue(join.notes().stream().anyMatch(n -> n.contains("container web") && n.contains("/proc/4242/ns/net")),
                join.notes().toString());
    }

    @Test
    void joiningAContainerThatStoppedIsUnavailable() {
        BerthException e = assertThrows(BerthException.class, () -> module.contribute(request("c1",
                Map.of("pid", List.of("container:old")), Map.of("old", 777))));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("--pid container:old") && e.getMessage().contains("777"), e.getMessage());
    }

    @Test
    void joiningWithoutAPeerPidIsInvalidAndNamesIt() {
        BerthException e = assertThrows(BerthException.class, () -> module.contribute(request("c1",
                Map.of("network", List.of("container:db")), Map.of("web", 4242))));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("--network container:db") && e.getMessage().contains("db"), e.getMessage());
    }

    @Test
    void usernsAutoAllocatesRecordsAndShifts() throws Exception {
        Assumptions.assumeTrue(TestTrees.isRoot(), "shifting a rootfs needs root (chown)");
        Path rootfs = rootfs("r1");
        Contribution c = module.contribute(new IsolationRequest("auto1", "a", Map.of("userns", List.of("auto")),
                TestTrees.spec(rootfs), Map.of()));
        assertEquals(Map.of("userns", "auto", "uidmap", "0:1000000:65536", "gidmap", "0:1000000:65536"), c.facts());
        assertEquals("[{\"containerID\":0,\"hostID\":1000000,\"size\":65536}]",
                field(c, "/linux/uidMappings").orElseThrow().value());
        assertEquals(field(c, "/linux/uidMappings").orElseThrow().value(),
                field(c, "/linux/gidMappings").orElseThrow().value());
        assertTrue(field(c, "/linux/namespaces").orElseThrow().value().contains("{\"type\":\"user\"}"));
        assertEquals("1000000:1000000", TestTrees.owner(rootfs));
        assertEquals("1001000:1001000", TestTrees.owner(rootfs.resolve("home")));
        assertTrue(c.notes().stream().anyMatch(n -> n.startsWith("rootfs ownership shifted: 3 of 3")), c.notes().toString());

        Contribution second = module.contribute(new IsolationRequest("auto2", "b", Map.of("userns", List.of("auto")),
                TestTrees.spec(rootfs("r2")), Map.of()));
        assertEquals("0:1065536:65536", second.facts().get("uidmap"));
    }

    @Test
    void exhaustedPoolIsAClearErrorAndNothingLeaks() throws Exception {
        Assumptions.assumeTrue(TestTrees.isRoot(), "shifting a rootfs needs root (chown)");
        NamespaceIsolation small = new NamespaceIsolation(2_000_000L, 65_536L, 1);
        Map<String, List<String>> auto = Map.of("userns", List.of("auto"));
        Contribution first = small.contribute(new IsolationRequest("one", "one", auto, TestTrees.spec(rootfs("a")),
                Map.of()));
        BerthException e = assertThrows(BerthException.class, () -> small.contribute(new IsolationRequest("two",
                "two", auto, TestTrees.spec(rootfs("b")), Map.of())));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("--userns auto: all 1 uid range of the pool (host ids 2000000-2065535)"),
                e.getMessage());
        assertEquals("0:0", TestTrees.owner(rootfs("b")), "the refused container's rootfs is untouched");
        small.release("one", first.facts());
        assertEquals("0:2000000:65536", small.contribute(new IsolationRequest("two", "two", auto,
                TestTrees.spec(rootfs("b")), Map.of())).facts().get("uidmap"));
    }

    @Test
    void aFailedShiftGivesTheRangeBack() {
        NamespaceIsolation small = new NamespaceIsolation(2_000_000L, 65_536L, 1);
        BerthException e = assertThrows(BerthException.class, () -> small.contribute(new IsolationRequest("x", "x",
                Map.of("userns", List.of("auto")), TestTrees.spec(dir.resolve("missing")), Map.of())));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains(dir.resolve("missing").toString()), e.getMessage());
        assertEquals(0, small.pool().inUse());
    }

    @Test
    void restoreKeepsARangeFromBeingHandedOutAgain() throws Exception {
        Assumptions.assumeTrue(TestTrees.isRoot(), "shifting a rootfs needs root (chown)");
        NamespaceIsolation restarted = new NamespaceIsolation(1_000_000L, 65_536L, 2);
        restarted.restore("old", Map.of("userns", "auto", "uidmap", "0:1000000:65536", "gidmap", "0:1000000:65536"));
        restarted.restore("ignored", Map.of("network", "none"));
        Contribution c = restarted.contribute(new IsolationRequest("new", "n", Map.of("userns", List.of("auto")),
                TestTrees.spec(rootfs("n")), Map.of()));
        assertEquals("0:1065536:65536", c.facts().get("uidmap"));
        assertEquals(2, restarted.pool().inUse());
        restarted.release("old", Map.of());
        assertEquals(1, restarted.pool().inUse());
    }

    @Test
    void explicitMapsGoToTheSpecWithoutFacts() throws Exception {
        Assumptions.assumeTrue(TestTrees.isRoot(), "shifting a rootfs needs root (chown)");
        Path rootfs = rootfs("e");
        Contribution c = module.contribute(new IsolationRequest("e", "e",
                Map.of("uidmap", List.of("0:100000:1000", "1000:300000:1000"), "gidmap", List.of("0:500000:2000")),
                TestTrees.spec(rootfs), Map.of()));
        assertTrue(c.facts().isEmpty());
        assertEquals("[{\"containerID\":0,\"hostID\":100000,\"size\":1000},"
                + "{\"containerID\":1000,\"hostID\":300000,\"size\":1000}]",
                field(c, "/linux/uidMappings").orElseThrow().value());
        assertEquals("[{\"containerID\":0,\"hostID\":500000,\"size\":2000}]",
                field(c, "/linux/gidMappings").orElseThrow().value());
        assertEquals("100000:500000", TestTrees.owner(rootfs));
        assertEquals("300000:501000", TestTrees.owner(rootfs.resolve("home")));
    }

    @Test
    void aUserTheMapLeavesOutIsRefused() throws Exception {
        String spec = TestTrees.spec(rootfs("u")).replace("\"uid\":0,\"gid\":0", "\"uid\":0,\"gid\":5000");
        BerthException e = assertThrows(BerthException.class, () -> module.contribute(new IsolationRequest("u", "u",
                Map.of("uidmap", List.of("0:100000:1000")), spec, Map.of())));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("group 5000"), e.getMessage());
    }

    /** The mount folder (the rootfs's parent) is opened to the mapped root; a closed folder above it is not. */
    @Test
    void aRootfsBehindAClosedFolderIsRefusedBeforeAnyChown() throws Exception {
        Path closed = Files.createDirectories(dir.resolve("closed"));
        Files.setAttribute(closed, "unix:mode", 0700);
        Path rootfs = closed.resolve("shut/rootfs");
        Files.createDirectories(rootfs.resolve("home"));
        Files.writeString(rootfs.resolve("home/file"), "x");
        String before = TestTrees.owner(rootfs) + " " + TestTrees.owner(rootfs.resolve("home"))
                + " " + TestTrees.owner(rootfs.resolve("home/file"));
        String folderBefore = modeAndOwner(rootfs.getParent());
        String spec = TestTrees.spec(rootfs);
        BerthException e = assertThrows(BerthException.class, () -> module.contribute(new IsolationRequest("shut",
                "shut", Map.of("userns", List.of("auto")), spec, Map.of())));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertEquals("--userns auto: " + closed + " is not searchable by others (mode 0700), so root in the user"
                + " namespace (host uid 1000000) cannot reach the container's root filesystem; make it 0711",
                e.getMessage());
        assertEquals(before, TestTrees.owner(rootfs) + " " + TestTrees.owner(rootfs.resolve("home"))
                + " " + TestTrees.owner(rootfs.resolve("home/file")), "nothing chowned");
        assertEquals(0, module.pool().inUse(), "the range is given back");
        assertEquals(folderBefore, modeAndOwner(rootfs.getParent()), "the mount folder is put back");
        assertEquals("0700 0:0", modeAndOwner(closed), "a folder further up is never changed");

        BerthException explicit = assertThrows(BerthException.class, () -> module.contribute(new IsolationRequest(
                "shut2", "shut2", Map.of("uidmap", List.of("0:200000:65536")), spec, Map.of())));
        assertEquals(ErrorKind.UNAVAILABLE, explicit.kind());
        assertTrue(explicit.getMessage().startsWith("--uidmap 0:200000:65536: " + closed
                + " is not searchable by others (mode 0700), so root in the user namespace (host uid 200000)"),
                explicit.getMessage());
        assertEquals(folderBefore, modeAndOwner(rootfs.getParent()), "the mount folder is put back");
    }

    @Test
    void aClosedFolderThroughASymlinkIsRefusedToo() throws Exception {
        Path closed = Files.createDirectories(dir.resolve("store"));
        Files.setAttribute(closed, "unix:mode", 0750);
        Path rootfs = Files.createDirectories(closed.resolve("rootfs"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), closed);
        BerthException e = assertThrows(BerthException.class, () -> module.contribute(new IsolationRequest("sym",
                "sym", Map.of("userns", List.of("auto")), TestTrees.spec(link.resolve("rootfs")), Map.of())));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("is not searchable by others (mode 0750)")
                && e.getMessage().endsWith("make it 0751"), e.getMessage());
        assertEquals(0, module.pool().inUse());
        assertTrue(Files.isDirectory(rootfs));
        assertTrue(modeAndOwner(closed).startsWith("0750 "), "the folder behind the link is not opened: "
                + modeAndOwner(closed));
    }

    /**
     * A state tree as the daemon makes it, {@code state(0711)/mounts(0711)/<id>(0700 root:root)/merged}: with
     * a user namespace the container's own folder gets the group container gid 0 maps to and mode 0710, which
     * the reachability check then lets the mapped root through (the group's x bit); nothing above it changes.
     */
    static Stream<Arguments> userNamespaces() {
        return Stream.of(
                Arguments.of("auto", Map.of("userns", List.of("auto")), 1_000_000),
                Arguments.of("explicit", Map.of("uidmap", List.of("0:100000:65536"), "gidmap", List.of("0:500000:65536")),
                        500_000),
                Arguments.of("explicitUidsOnly", Map.of("uidmap", List.of("0:100000:65536")), 100_000));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("userNamespaces")
    void theMountFolderLetsOnlyTheMappedRootThrough(String name, Map<String, List<String>> options, int gid)
            throws Exception {
        Assumptions.assumeTrue(TestTrees.isRoot(), "giving a folder another group needs root (chown)");
        Path merged = stateTree("c1");
        Path folder = merged.getParent();
        Contribution c = module.contribute(new IsolationRequest("c1", "c1", options, TestTrees.spec(merged), Map.of()));
        assertEquals("0710 0:" + gid, modeAndOwner(folder));
        assertEquals("0711 0:0", modeAndOwner(folder.getParent()), "mounts is left alone");
        assertEquals("0711 0:0", modeAndOwner(folder.getParent().getParent()), "state is left alone");
        assertTrue(c.notes().contains("mount folder " + folder + " opened to the container's root: group " + gid
                + ", mode 0710 (was group 0, mode 0700)"), c.notes().toString());
        assertTrue(field(c, "/linux/gidMappings").isPresent());

        module.release("c1", c.facts());
        Contribution again = module.contribute(new IsolationRequest("c1", "c1", options, TestTrees.spec(merged),
                Map.of()));
        assertEquals("0710 0:" + gid, modeAndOwner(folder), "contributing again keeps it");
        assertTrue(again.notes().stream().noneMatch(n -> n.startsWith("mount folder")), again.notes().toString());
    }

    /**
     * UnmappedSetgid through the module: {@code --uidmap 0:1000:1} opens the mount folder to host group 1000, a
     * real user's; an image file 0:6 mode 2755 is left with host gid 6 (disk) and must lose setgid, and the note
     * says so. The map is recorded in the mount folder (root's, 0600), and a second contribute changes nothing.
     */
    @Test
    void anExplicitSmallMapClearsSetIdBitsAndRecordsTheMapInTheMountFolder() throws Exception {
        Assumptions.assumeTrue(TestTrees.isRoot(), "shifting a rootfs needs root (chown)");
        Path merged = stateTree("c5");
        Path disk = merged.resolve("disktool");
        Files.writeString(disk, "#!/bin/sh\n");
        TestTrees.chown(disk, 0, 6);
        Files.setAttribute(disk, "unix:mode", 02755);
        Map<String, List<String>> options = Map.of("uidmap", List.of("0:1000:1"));

        Contribution c = module.contribute(new IsolationRequest("c5", "c5", options, TestTrees.spec(merged), Map.of()));
        assertEquals("0710 0:1000", modeAndOwner(merged.getParent()));
        assertEquals("0755 1000:6", modeAndOwner(disk));
        assertTrue(c.notes().stream().anyMatch(n -> n.startsWith("rootfs ownership shifted: 3 of 3 entries re-owned;"
                + " 1 left as they were") && n.endsWith("; set-user-ID/set-group-ID bits cleared on 1 file left"
                + " unshifted (they would keep a host id's privilege)")), c.notes().toString());
        Path record = merged.getParent().resolve("idmap");
        assertEquals("0600 0:0", modeAndOwner(record));
        assertEquals("merged\tuid=0:1000:1;gid=0:1000:1\n", Files.readString(record));

        Contribution again = module.contribute(new IsolationRequest("c5", "c5", options, TestTrees.spec(merged),
                Map.of()));
        assertTrue(again.notes().contains("rootfs " + merged + " already owned to fit this map (recorded in " + record
                + ")"), again.notes().toString());
        assertEquals("1000:1000", TestTrees.owner(merged));
    }

    @Test
    void withoutAUserNamespaceTheMountFolderStaysClosed() throws Exception {
        Path merged = stateTree("c2");
        String before = modeAndOwner(merged.getParent());
        Contribution c = module.contribute(new IsolationRequest("c2", "c2", Map.of("network", List.of("none")),
                TestTrees.spec(merged), Map.of()));
        assertTrue(field(c, "/linux/uidMappings").isEmpty());
        assertEquals(before, modeAndOwner(merged.getParent()));
        assertTrue(before.startsWith("0700 "), before);
    }

    /** A folder not owned by root is nobody's mount folder: left alone, and the check refuses it. */
    @Test
    void aMountFolderNotOwnedByRootIsLeftAlone() throws Exception {
        Assumptions.assumeTrue(TestTrees.isRoot(), "making a folder another user's needs root (chown)");
        Path merged = stateTree("c3");
        TestTrees.chown(merged.getParent(), 1234, 1234);
        BerthException e = assertThrows(BerthException.class, () -> module.contribute(new IsolationRequest("c3", "c3",
                Map.of("userns", List.of("auto")), TestTrees.spec(merged), Map.of())));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains(merged.getParent() + " is not searchable by others (mode 0700)"),
                e.getMessage());
        assertEquals("0700 1234:1234", modeAndOwner(merged.getParent()));
        assertEquals(0, module.pool().inUse());
    }

    /** A mount folder that is a symlink is not followed: the folder it names keeps its group and mode. */
    @Test
    void aMountFolderThatIsASymlinkIsNotFollowed() throws Exception {
        Path merged = stateTree("c4");
        Path real = merged.getParent();
        Path link = Files.createSymbolicLink(real.resolveSibling("c4link"), real.getFileName());
        String before = modeAndOwner(real);
        BerthException e = assertThrows(BerthException.class, () -> module.contribute(new IsolationRequest("c4", "c4",
                Map.of("userns", List.of("auto")), TestTrees.spec(link.resolve("merged")), Map.of())));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains(" is not searchable by others (mode 0700)"), e.getMessage());
        assertEquals(before, modeAndOwner(real));
    }

    /** A rootfs right under a top-level folder (here the temp folder, e.g. /tmp) never changes that folder. */
    @Test
    void aTopLevelFolderIsNeverChanged() throws Exception {
        Assumptions.assumeTrue(TestTrees.isRoot(), "shifting a rootfs needs root (chown)");
        Path rootfs = Files.createTempDirectory("berth-ns-top");
        try {
            Assumptions.assumeTrue(rootfs.getParent().getParent() != null
                    && rootfs.getParent().getParent().getParent() == null, "the temp folder is not top-level");
            String before = modeAndOwner(rootfs.getParent());
            Contribution c = module.contribute(new IsolationRequest("top", "top", Map.of("userns", List.of("auto")),
                    TestTrees.spec(rootfs), Map.of()));
            assertEquals(before, modeAndOwner(rootfs.getParent()));
            assertTrue(c.notes().stream().noneMatch(n -> n.startsWith("mount folder")), c.notes().toString());
        } finally {
            Files.delete(rootfs);
        }
    }

    @Test
    void checkAllocatesNothingAndReadsNoSpec() throws Exception {
        for (int i = 0; i < 8; i++) {
            module.check(new IsolationRequest("auto" + i, "a", Map.of("userns", List.of("auto")), "{}", Map.of()));
        }
        assertEquals(0, module.pool().inUse(), "check allocated a range");
        // The process user is a question of the spec: check lets it through, contribute refuses it.
        Map<String, List<String>> rootUnmapped = Map.of("uidmap", List.of("1:100000:65535"));
        module.check(new IsolationRequest("u", "u", rootUnmapped, "{}", Map.of()));
        BerthException e = assertThrows(BerthException.class, () -> module.contribute(request("u", rootUnmapped,
                Map.of())));
        assertEquals(ErrorKind.INVALID, e.kind());
    }

    @Test
    void checkRefusesPeersAndPoolMapsAsContributeDoes() {
        for (IsolationRequest bad : List.of(
                new IsolationRequest("p", "p", Map.of("pid", List.of("container:old")), "{}", Map.of("old", 777)),
                new IsolationRequest("n", "n", Map.of("network", List.of("container:db")), "{}", Map.of("web", 4242)),
                new IsolationRequest("m", "m", Map.of("uidmap", List.of("0:1000000:10")), "{}", Map.of()))) {
            BerthException checked = assertThrows(BerthException.class, () -> module.check(bad));
            BerthException contributed = assertThrows(BerthException.class, () -> module.contribute(
                    new IsolationRequest(bad.containerId(), bad.name(), bad.options(), IsolationModuleContract.BASE_SPEC,
                            bad.peers())));
            assertEquals(contributed.kind(), checked.kind());
            assertEquals(contributed.getMessage(), checked.getMessage());
        }
    }

    /**
     * {@code dir/state(0711)/mounts(0711)/<id>(0700)/merged}, the layout of the daemon's state root; returns
     * merged, a rootfs with a file in it.
     */
    private Path stateTree(String id) throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        Path mounts = Files.createDirectories(state.resolve("mounts"));
        Files.setAttribute(state, "unix:mode", 0711);
        Files.setAttribute(mounts, "unix:mode", 0711);
        Path folder = Files.createDirectories(mounts.resolve(id));
        Files.setAttribute(folder, "unix:mode", 0700);
        Path merged = Files.createDirectories(folder.resolve("merged"));
        Files.writeString(merged.resolve("file"), "x");
        return merged;
    }

    /** {@code MODE uid:gid} of {@code path} itself, the mode in four octal digits. */
    private static String modeAndOwner(Path path) throws Exception {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS) & 07777;
        return String.format("%04o", mode) + " " + TestTrees.owner(path);
    }

    /** A rootfs with a root-owned root, home (1000:1000) and a file in it. */
    private Path rootfs(String name) throws Exception {
        Path root = dir.resolve(name);
        if (Files.exists(root)) {
            return root;
        }
        Files.createDirectories(root.resolve("home"));
        Files.writeString(root.resolve("home/file"), "x");
        if (TestTrees.isRoot()) {
            TestTrees.chown(root.resolve("home"), 1000, 1000);
        }
        return root;
    }

    private static IsolationRequest request(String id, Map<String, List<String>> options, Map<String, Integer> peers) {
        return new IsolationRequest(id, id, options, IsolationModuleContract.BASE_SPEC, peers);
    }

    private static Optional<SpecField> field(Contribution c, String pointer) {
        return c.fields().stream().filter(f -> f.pointer().equals(pointer)).findFirst();
    }
}
