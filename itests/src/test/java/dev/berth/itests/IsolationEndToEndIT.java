package dev.berth.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.isolation.Capabilities;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The isolation modules end to end, as root, through the real daemon and CLI with real runc and crun:
 * namespaces (pid, uts, user, joining another container's), cgroup limits as the container sees them
 * (memory, swap, CPU quota, pids) and OOM kills as events, capability sets read back from
 * {@code /proc/1/status}, the seccomp module installed into and removed from a running daemon, and bad
 * isolation options refused before anything exists. One daemon serves every test; runtime tests run with
 * runc and with crun, and skip, printing the daemon's reason, where a runtime cannot run here.
 */
class IsolationEndToEndIT extends ContainerTestBase {
    /** Docker's default capability set, which the capabilities module gives a container unless told otherwise. */
    private static final Set<String> DOCKER_DEFAULT_CAPS = Set.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
            "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
    /** Reads the container's memory limit and memory+swap limit on a v1 (or hybrid) or a v2 cgroup mount. */
    private static final String MEMORY_LIMITS = "if [ -d /sys/fs/cgroup/memory ]; then echo v1"
            + " $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes) $(cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes);"
            + " else echo v2 $(cat /sys/fs/cgroup/memory.max) $(cat /sys/fs/cgroup/memory.swap.max); fi";

    // 1. pid and uts namespaces, and their host modes

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void ownPidAndUtsNamespacesUnlessHostIsAsked(String runtime) throws Exception {
        assumeUsable(runtime);
        String hostName = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        String name = "pid1-" + runtime;
        Cli.Result own = berth(run(runtime, "--name", name, image(), "sh", "-c", "ps; echo host=$(hostname)"));
        try {
            assertEquals(0, own.exit(), own.toString());
            List<String[]> processes = psRows(own.stdout());
            assertTrue(processes.stream().anyMatch(p -> p[0].equals("1") && p[2].contains("echo host=")),
                    "pid 1 is the container's command: " + own.stdout());
            assertTrue(processes.size() <= 2, "only the command and ps itself are visible: " + own.stdout());
            String id = inspect(name).path("id").asText();
            String uts = own.lines().get(own.lines().size() - 1);
            assertEquals("host=" + id.substring(0, 12), uts, own.stdout());
            assertNotEquals("host=" + hostName, uts, "a new uts namespace, not the host's name");
        } finally {
            berth("rm", "-f", name);
        }

        Cli.Result hostPid = berth(run(runtime, "--rm", "--pid", "host", image(), "ps"));
        assertEquals(0, hostPid.exit(), hostPid.toString());
        String me = String.valueOf(ProcessHandle.current().pid());
        assertTrue(psRows(hostPid.stdout()).stream().anyMatch(p -> p[0].equals(me)),
                "--pid host sees this test's JVM, pid " + me + ":\n" + hostPid.stdout());
        assertFalse(psRows(hostPid.stdout()).stream().anyMatch(p -> p[0].equals("1") && p[2].equals("ps")),
                "pid 1 is the host's init, not the container's ps:\n" + hostPid.stdout());

        Cli.Result hostUts = berth(run(runtime, "--rm", "--uts", "host", image(), "hostname"));
        assertEquals(0, hostUts.exit(), hostUts.toString());
        assertEquals(hostName, hostUts.stdout().strip());
    }

    // 2. user namespaces

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void usernsAutoMapsRootToAnUnprivilegedHostUidFromAFreeRange(String runtime) throws Exception {
        assumeUsable(runtime);
        Path volume = Files.createTempDirectory(base, "userns-");
        // Container root is an unprivileged host uid: it may only write where everyone may.
        Files.setPosixFilePermissions(volume, PosixFilePermissions.fromString("rwxrwxrwx"));
        Cli.Result mapped = berth(run(runtime, "--rm", "--userns", "auto", "-v", volume + ":/data", image(), "sh", "-c",
                "head -n 1 /proc/self/uid_map; id -u; touch /data/made-inside"));
        assertEquals(0, mapped.exit(), mapped.toString());
        String[] map = mapped.lines().get(0).strip().split("\\s+");
        assertEquals("0", map[0], mapped.stdout());
        long hostUid = Long.parseLong(map[1]);
        assertTrue(hostUid > 0, "container root is not host root: " + mapped.stdout());
        assertEquals("65536", map[2], mapped.stdout());
        assertEquals("0", mapped.lines().get(1), "root inside: " + mapped.stdout());
        assertEquals((int) hostUid, Files.getAttribute(volume.resolve("made-inside"), "unix:uid"),
                "the file container root made belongs to the mapped host uid");

        String a = "userns-a-" + runtime;
        String b = "userns-b-" + runtime;
        try {
            assertEquals(0, berth(run(runtime, "-d", "--name", a, "--userns", "auto", image(), "sleep", "300")).exit());
            assertEquals(0, berth(run(runtime, "-d", "--name", b, "--userns", "auto", image(), "sleep", "300")).exit());
            long[] rangeA = autoRange(a);
            long[] rangeB = autoRange(b);
            assertTrue(rangeA[0] + rangeA[1] <= rangeB[0] || rangeB[0] + rangeB[1] <= rangeA[0],
                    "two live containers got overlapping ranges: " + rangeA[0] + "+" + rangeA[1] + " and "
                            + rangeB[0] + "+" + rangeB[1]);
            assertTrue(rangeA[0] > 0 && rangeB[0] > 0);
            Cli.Result inside = berth("exec", a, "cat", "/proc/self/uid_map");
            assertEquals(List.of("0", String.valueOf(rangeA[0]), String.valueOf(rangeA[1])),
                    List.of(inside.stdout().strip().split("\\s+")), "the recorded range is the one in force");
            // The range is in the audit log too, not only in the live state.
            JsonNode generated = event(inspect(a).path("id").asText(), "spec.generated");
            JsonNode namespaces = module(generated.path("payload").path("modules"), "namespaces");
            assertEquals("0:" + rangeA[0] + ":" + rangeA[1], namespaces.path("facts").path("uidmap").asText(),
                    generated.toString());
        } finally {
            berth("rm", "-f", a, b);
        }
    }

    /** The uid range {@code --userns auto} gave {@code name}, from inspect's isolation record: {host, size}. */
    private static long[] autoRange(String name) throws Exception {
        JsonNode namespaces = module(inspect(name).path("isolation"), "namespaces");
        assertEquals("auto", namespaces.path("facts").path("userns").asText(), namespaces.toString());
        String[] map = namespaces.path("facts").path("uidmap").asText().split(":");
        assertEquals(3, map.length, namespaces.toString());
        assertEquals("0", map[0], namespaces.toString());
        return new long[] {Long.parseLong(map[1]), Long.parseLong(map[2])};
    }

    // 3. OOM kills

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void oomKillOfPidOneIsReported(String runtime) throws Exception {
        assumeUsable(runtime);
        String name = "oom-pid1-" + runtime;
        try {
            Cli.Result hog = berth(run(runtime, "--name", name, "-m", "32m", image(), "tail", "/dev/zero"));
            assertEquals(137, hog.exit(), hog.toString());
            JsonNode inspect = inspect(name);
            assertTrue(inspect.path("state").path("oomKilled").asBoolean(), inspect.path("state").toString());
            assertTrue(inspect.path("oomKilled").asBoolean(), "inspect's top-level oomKilled: " + inspect);
            JsonNode oom = event(inspect.path("id").asText(), "container.oom");
            assertTrue(oom.path("payload").path("count").asLong() >= 1, oom.toString());
            assertFalse(oom.path("payload").path("module").asText().isBlank(), oom.toString());
            Cli.Result listed = berth("events", "--filter", "type=container.oom");
            assertTrue(listed.stdout().contains(inspect.path("id").asText()), "berth events lists it: " + listed);
        } finally {
            berth("rm", "-f", name);
        }
    }

    /**
     * A child is OOM-killed, pid 1 lives on and exits 0: still OOMKilled, and the cgroups module's watcher
     * (polling the cgroup's oom_kill counter) reports it while the container runs. pid 1 lingers a second
     * after the kill so the watcher's poll, not the runtime's count at exit, is what sees it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void oomKillOfAChildIsReportedThoughPidOneExitsZero(String runtime) throws Exception {
        assumeUsable(runtime);
        String name = "oom-child-" + runtime;
        try {
            Cli.Result hog = berth(run(runtime, "--name", name, "-m", "32m", image(), "sh", "-c",
                    "tail /dev/zero; echo survived"));
            assertEquals(0, hog.exit(), hog.toString());
            assertEquals("survived\n", hog.stdout());
            JsonNode inspect = inspect(name);
            assertTrue(inspect.path("state").path("oomKilled").asBoolean(), "exit 0 but a child was OOM-killed: "
                    + inspect.path("state"));
            JsonNode oom = event(inspect.path("id").asText(), "container.oom");
            assertEquals("cgroups", oom.path("payload").path("module").asText(), oom.toString());
            assertTrue(oom.path("payload").path("detail").asText().contains("32 MiB"), oom.toString());
        } finally {
            berth("rm", "-f", name);
        }
    }

    // 4. and 5. cgroup limits as the container sees them

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void memorySwapFollowsDockersSemantics(String runtime) throws Exception {
        assumeUsable(runtime);
        long mib64 = 64L << 20;
        long[] noSwap = memoryLimits(runtime, "-m", "64m", "--memory-swap", "64m");
        assertEquals(mib64, noSwap[0]);
        assertEquals(mib64, noSwap[1], "--memory-swap equal to --memory: no swap");
        long[] unset = memoryLimits(runtime, "-m", "64m");
        assertEquals(mib64, unset[0]);
        assertEquals(2 * mib64, unset[1], "--memory-swap unset: twice the memory");
        long[] unlimited = memoryLimits(runtime, "-m", "64m", "--memory-swap", "-1");
        assertEquals(mib64, unlimited[0]);
        assertTrue(unlimited[1] >= 1L << 60, "--memory-swap -1: unlimited, got " + unlimited[1]);
    }

    /** {memory limit, memory+swap limit} read inside a container run with {@code options}; unlimited is huge. */
    private static long[] memoryLimits(String runtime, String... options) throws Exception {
        List<String> args = run(runtime, "--rm");
        args.addAll(List.of(options));
        args.addAll(List.of(image(), "sh", "-c", MEMORY_LIMITS));
        Cli.Result result = berth(args);
        assertEquals(0, result.exit(), result.toString());
        String[] words = result.stdout().strip().split("\\s+");
        assertEquals(3, words.length, result.stdout());
        long memory = limit(words[1]);
        long second = limit(words[2]);
        // v2 keeps swap alone in memory.swap.max; v1's memsw is memory plus swap.
        long memsw = words[0].equals("v2") ? (second == Long.MAX_VALUE ? second : memory + second) : second;
        return new long[] {memory, memsw};
    }

    private static long limit(String text) {
        return text.equals("max") ? Long.MAX_VALUE : Long.parseLong(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void cpusHalfGivesHalfOfEachPeriod(String runtime) throws Exception {
        assumeUsable(runtime);
        Cli.Result result = berth(run(runtime, "--rm", "--cpus", "0.5", image(), "sh", "-c",
                "if [ -d /sys/fs/cgroup/cpu ]; then cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us"
                        + " /sys/fs/cgroup/cpu/cpu.cfs_period_us; else cat /sys/fs/cgroup/cpu.max; fi"));
        assertEquals(0, result.exit(), result.toString());
        assertEquals(List.of("50000", "100000"), List.of(result.stdout().strip().split("\\s+")), result.stdout());
    }

    // 6. pids limit

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void pidsLimitStopsAForkBomb(String runtime) throws Exception {
        assumeUsable(runtime);
        String marker = "317"; // the sleeps' argument, to find any that escaped onto the host
        long started = System.nanoTime();
        Cli.Result bomb = berth(run(runtime, "--rm", "--pids-limit", "20", image(), "sh", "-c",
                "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max;"
                        + " for i in $(seq 40); do sleep " + marker + " & done; echo all forked; wait"));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        assertEquals("20", bomb.lines().get(0), bomb.toString());
        assertTrue(bomb.stderr().contains("can't fork"), bomb.toString());
        assertFalse(bomb.stdout().contains("all forked"), bomb.toString());
        assertNotEquals(0, bomb.exit(), bomb.toString());
        assertTrue(seconds < 30, "the container ended (in " + seconds + " s), its sleeps with it");
        assertEquals(List.of(), hostProcesses("sleep", marker), "no sleep of the bomb outlived the container");
        // The host is unharmed: it still starts processes and containers.
        Cli.Result after = berth(run(runtime, "--rm", "--pids-limit", "20", image(), "true"));
        assertEquals(0, after.exit(), after.toString());
    }

    /** Host pids whose command line is exactly {@code words}. */
    private static List<Long> hostProcesses(String... words) throws IOException {
        byte[] wanted = (String.join("\0", words) + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : proc) {
                try {
                    if (java.util.Arrays.equals(wanted, Files.readAllBytes(p.resolve("cmdline")))) {
                        found.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // the process ended while we looked
                }
            }
        }
        return found;
    }

    // 7. capabilities

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void capabilityMasksMatchTheDecodedSets(String runtime) throws Exception {
        assumeUsable(runtime);
        long engine = statusMask(Files.readAllLines(Path.of("/proc/self/status")), "CapBnd");
        Set<String> plusNetAdmin = new HashSet<>(DOCKER_DEFAULT_CAPS);
        plusNetAdmin.add("CAP_NET_ADMIN");
        assertCaps(runtime, "default", List.of(), DOCKER_DEFAULT_CAPS);
        assertCaps(runtime, "drop-all", List.of("--cap-drop", "ALL"), Set.of());
        assertCaps(runtime, "add-net-admin", List.of("--cap-add", "NET_ADMIN"), plusNetAdmin);
        // The daemon runs as root here, like this JVM: privileged is every capability in our bounding set.
        assertCaps(runtime, "privileged", List.of("--privileged"), Set.copyOf(Capabilities.decode(engine)));
    }

    /**
     * Runs a container with {@code options}, and checks pid 1's bounding, effective and permitted masks in
     * {@code /proc/1/status} (read inside) decode to {@code expected}, inheritable and ambient are empty, and
     * {@code berth caps} shows the same masks, decoded the same way, matching the spec.
     */
    private static void assertCaps(String runtime, String label, List<String> options, Set<String> expected)
            throws Exception {
        String name = "caps-" + label + "-" + runtime;
        List<String> args = run(runtime, "-d", "--name", name);
        args.addAll(options);
        args.addAll(List.of(image(), "sleep", "300"));
        Cli.Result started = berth(args);
        assertEquals(0, started.exit(), label + ": " + started);
        try {
            Cli.Result status = berth("exec", name, "cat", "/proc/1/status");
            assertEquals(0, status.exit(), label + ": " + status);
            List<String> lines = status.stdout().lines().toList();
            JsonNode caps = JSON.readTree(daemon.http().get("/v1/containers/" + name + "/caps").body());
            for (String[] set : List.of(new String[] {"CapBnd", "bounding"}, new String[] {"CapEff", "effective"},
                    new String[] {"CapPrm", "permitted"}, new String[] {"CapInh", "inheritable"},
                    new String[] {"CapAmb", "ambient"})) {
                long mask = statusMask(lines, set[0]);
                Set<String> want = set[1].equals("inheritable") || set[1].equals("ambient") ? Set.of() : expected;
                assertEquals(want, Set.copyOf(Capabilities.decode(mask)), label + " " + set[0]);
                JsonNode shown = caps.path("sets").path(set[1]);
                assertEquals(mask, Capabilities.parseMask(shown.path("mask").asText()), label + " " + set[1] + ": "
                        + caps);
                assertEquals(Capabilities.decode(mask), strings(shown.path("names")), label + " " + set[1]);
                assertEquals(want, Set.copyOf(strings(shown.path("asked"))), label + " " + set[1] + " asked");
            }
            assertEquals(expected.size(), Long.bitCount(statusMask(lines, "CapEff")), label);
            Cli.Result table = berth("caps", name);
            assertEquals(0, table.exit(), label + ": " + table);
            List<String> rows = table.stdout().lines()
                    .filter(l -> l.matches("^(bounding|effective|permitted|inheritable|ambient) .*")).toList();
            assertEquals(5, rows.size(), label + ": " + table.stdout());
            assertTrue(rows.stream().allMatch(l -> l.split("\\s+")[2].equals("yes")), label + ": " + table.stdout());
        } finally {
            berth("rm", "-f", name);
        }
    }

    private static long statusMask(List<String> statusLines, String field) {
        return statusLines.stream().filter(l -> l.startsWith(field + ":")).findFirst()
                .map(l -> Capabilities.parseMask(l.substring(field.length() + 1)))
                .orElseThrow(() -> new AssertionError("no " + field + " in " + statusLines));
    }

    // 8. seccomp, installed into and removed from the running daemon

    @Test
    void seccompModuleInstalledWhileTheDaemonRunsBlocksUnshareUntilRemoved() throws Exception {
        assumeUsable("runc");
        List<String> runtimes = new ArrayList<>(List.of("runc"));
        if (usable("crun")) {
            runtimes.add("crun");
        } else {
            System.out.println("SKIPPED (crun) in the seccomp test: crun cannot run here");
        }
        for (String runtime : runtimes) {
            Cli.Result before = berth(run(runtime, "--rm", image(), "unshare", "-U", "true"));
            assertEquals(0, before.exit(), runtime + " without seccomp: " + before);
        }
        Path jar;
        try (DirectoryStream<Path> extras = Files.newDirectoryStream(Daemon.HOME.resolve("extras"),
                "berth-plugin-seccomp-*.jar")) {
            jar = extras.iterator().next();
        }
        Path installed = daemon.plugins.resolve(jar.getFileName());
        try {
            Files.copy(jar, installed, StandardCopyOption.REPLACE_EXISTING);
            awaitIsolationModule("seccomp", true);
            for (String runtime : runtimes) {
                Cli.Result blocked = berth(run(runtime, "--rm", image(), "unshare", "-U", "true"));
                assertNotEquals(0, blocked.exit(), runtime + " with seccomp: " + blocked);
                assertTrue(blocked.stderr().contains("Operation not permitted"), runtime + ": " + blocked);
                Cli.Result unconfined = berth(run(runtime, "--rm", "--security-opt", "seccomp=unconfined", image(),
                        "unshare", "-U", "true"));
                assertEquals(0, unconfined.exit(), runtime + " seccomp=unconfined: " + unconfined);
                Cli.Result off = berth(run(runtime, "--rm", "--no-isolation-module", "seccomp", image(), "unshare",
                        "-U", "true"));
                assertEquals(0, off.exit(), runtime + " --no-isolation-module seccomp: " + off);
            }
            String name = "seccomp-record";
            assertEquals(0, berth("create", "--name", name, image(), "true").exit());
            try {
                JsonNode inspect = inspect(name);
                JsonNode recorded = module(inspect.path("isolation"), "seccomp");
                assertTrue(pointers(recorded).contains("/linux/seccomp"), recorded.toString());
                JsonNode generated = event(inspect.path("id").asText(), "spec.generated");
                JsonNode logged = module(generated.path("payload").path("modules"), "seccomp");
                assertTrue(pointers(logged).contains("/linux/seccomp"), logged.toString());
                assertFalse(logged.path("version").asText().isBlank(), logged.toString());
                JsonNode config = JSON.readTree(Path.of(inspect.path("bundle").asText(), "config.json").toFile());
                assertTrue(config.path("linux").path("seccomp").isObject(), "config.json has the profile");
            } finally {
                berth("rm", "-f", name);
            }
        } finally {
            Files.deleteIfExists(installed);
            awaitIsolationModule("seccomp", false);
        }
        for (String runtime : runtimes) {
            Cli.Result after = berth(run(runtime, "--rm", image(), "unshare", "-U", "true"));
            assertEquals(0, after.exit(), runtime + " after removing seccomp: " + after);
        }
        Cli.Result gone = berth("run", "--rm", "--security-opt", "seccomp=unconfined", image(), "true");
        assertEquals(125, gone.exit(), "no module reads seccomp options any more: " + gone);
        assertTrue(gone.stderr().contains("seccomp"), gone.stderr());
    }

    /** Waits until {@code berth plugins}' isolation table lists module {@code id} ({@code present}) or not. */
    private static void awaitIsolationModule(String id, boolean present) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Cli.Result plugins = null;
        while (System.nanoTime() < deadline) {
            plugins = berth("plugins");
            boolean listed = false;
            boolean inTable = false;
            for (String line : plugins.stdout().lines().toList()) {
                if (line.startsWith("Isolation modules")) {
                    inTable = true;
                } else if (inTable) {
                    String[] words = line.strip().split("\\s+");
                    listed |= words.length > 1 && words[1].equals(id);
                }
            }
            if (listed == present) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("isolation module " + id + (present ? " not listed" : " still listed")
                + " after 20 s:\n" + plugins);
    }

    // 9. joining another container's namespaces

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void networkPidAndIpcJoinARunningContainer(String runtime) throws Exception {
        assumeUsable(runtime);
        String peer = "peer-" + runtime;
        assertEquals(0, berth(run(runtime, "-d", "--name", peer, image(), "sleep", "300")).exit());
        try {
            int pid = inspect(peer).path("state").path("pid").asInt();
            assertTrue(pid > 0, inspect(peer).toString());
            Cli.Result joined = berth(run(runtime, "--rm", "--network", "container:" + peer, "--pid",
                    "container:" + peer, "--ipc", "container:" + peer, image(), "sh", "-c",
                    "for n in net pid ipc; do readlink /proc/self/ns/$n; done; ps"));
            assertEquals(0, joined.exit(), joined.toString());
            List<String> lines = joined.lines();
            for (int i = 0; i < 3; i++) {
                String kind = List.of("net", "pid", "ipc").get(i);
                String theirs = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + kind)).toString();
                assertEquals(theirs, lines.get(i), kind + " namespace joined");
                assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/" + kind)).toString(), lines.get(i),
                        kind + " is the peer's, not the host's");
            }
            assertTrue(psRows(joined.stdout()).stream().anyMatch(p -> p[0].equals("1") && p[2].equals("sleep 300")),
                    "ps shows the peer's pid 1: " + joined.stdout());
        } finally {
            berth("rm", "-f", peer);
        }
    }

    // 10. bad input

    static Stream<Arguments> badIsolationOptions() {
        return Stream.of(
                bad("UnknownCapability", "--cap-add", "NOPE", List.of("--cap-add", "NOPE")),
                bad("MemoryWithoutASensibleUnit", "--memory", "12x", List.of("-m", "12x")),
                bad("SwapSmallerThanMemory", "--memory-swap", "32m", List.of("-m", "64m", "--memory-swap", "32m")),
                bad("MoreCpusThanTheHost", "--cpus", "999", List.of("--cpus", "999")),
                bad("OverlappingUidMaps", "--uidmap", "500:200000:1000",
                        List.of("--uidmap", "0:100000:1000", "--uidmap", "500:200000:1000")),
                bad("UnknownSecurityOption", "--security-opt", "apparmor=foo",
                        List.of("--security-opt", "apparmor=foo")),
                bad("UnknownIsolationModule", "--isolation-module", "no-such-module",
                        List.of("--isolation-module", "no-such-module")),
                bad("NetworkOfAMissingContainer", "--network", "container:no-such-container",
                        List.of("--network", "container:no-such-container")));
    }

    private static Arguments bad(String name, String option, String value, List<String> args) {
        return Arguments.of(Named.of(name, args), option, value);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badIsolationOptions")
    void badIsolationOptionIsRefusedBeforeAnythingIsCreated(List<String> options, String option, String value)
            throws Exception {
        int before = containers(true).size();
        Set<Path> dirs = containerDirs();
        long specsBefore = eventCount("spec.generated", "container.created");
        List<String> args = new ArrayList<>(List.of("run", "--rm"));
        args.addAll(options);
        args.addAll(List.of(image(), "true"));
        Cli.Result result = berth(args);
        assertEquals(125, result.exit(), result.toString());
        assertTrue(result.stderr().contains(option) && result.stderr().contains(value),
                "the message names " + option + " and " + value + ": " + result.stderr());
        assertEquals(before, containers(true).size(), "a container was left");
        assertEquals(dirs, containerDirs(), "a container folder was left");
        assertNoMountsLeftBehind();
        assertEquals(specsBefore, eventCount("spec.generated", "container.created"), "a spec or container was made");
    }

    /**
     * Bad isolation options are refused before anything is created, not only cleaned up after: the engine
     * asks the spec stage to check the options (each module's {@code check}) before it mounts a root
     * filesystem, so the log gains no rootfs.mounted/rootfs.unmounted pair for a container that never was.
     */
    @Test
    void badIsolationOptionsAreRefusedBeforeTheRootfsIsMounted() throws Exception {
        List<String> mounted = new ArrayList<>();
        for (Arguments arguments : badIsolationOptions().toList()) {
            @SuppressWarnings("unchecked")
            Named<List<String>> named = (Named<List<String>>) arguments.get()[0];
            long before = eventCount("rootfs.mounted");
            List<String> args = new ArrayList<>(List.of("run", "--rm"));
            args.addAll(named.getPayload());
            args.addAll(List.of(image(), "true"));
            Cli.Result result = berth(args);
            assertEquals(125, result.exit(), named.getName() + ": " + result);
            if (eventCount("rootfs.mounted") != before) {
                mounted.add(named.getName());
            }
        }
        assertEquals(List.of(), mounted, "refused only after a rootfs was mounted for them");
    }

    /** How many events of {@code types} the log holds. */
    private static long eventCount(String... types) throws IOException {
        UnixHttp.Response response = daemon.http().get("/v1/events");
        assertEquals(200, response.status(), response.body());
        Set<String> creating = Set.of(types);
        long count = 0;
        for (String line : response.body().lines().filter(l -> !l.isBlank()).toList()) {
            if (creating.contains(JSON.readTree(line).path("type").asText())) {
                count++;
            }
        }
        return count;
    }

    // 11. leaving a module out

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void withoutTheCapabilitiesModuleTheProcessHasNoCapabilities(String runtime) throws Exception {
        assumeUsable(runtime);
        String name = "nocaps-" + runtime;
        try {
            Cli.Result result = berth(run(runtime, "--name", name, "--no-isolation-module", "capabilities", image(),
                    "grep", "-E", "^Cap(Eff|Prm|Bnd)", "/proc/1/status"));
            assertEquals(0, result.exit(), result.toString());
            assertEquals(3, result.lines().size(), result.stdout());
            for (String line : result.lines()) {
                assertEquals(0, Capabilities.parseMask(line.substring(line.indexOf(':') + 1)), line);
            }
            JsonNode generated = event(inspect(name).path("id").asText(), "spec.generated");
            List<String> modules = new ArrayList<>();
            generated.path("payload").path("modules").forEach(m -> modules.add(m.path("id").asText()));
            assertFalse(modules.contains("capabilities"), "spec.generated lists no capabilities module: " + modules);
            assertTrue(modules.containsAll(List.of("namespaces", "cgroups")), modules.toString());
            List<String> inspected = new ArrayList<>();
            inspect(name).path("isolation").forEach(m -> inspected.add(m.path("id").asText()));
            assertEquals(modules, inspected, "inspect shows the same module records");
        } finally {
            berth("rm", "-f", name);
        }
    }

    /**
     * The defaults live in configuration: a {@code .cfg} file for the spec stage dropped into the plugins
     * folder turns a module off for every container (until a container asks for it by name), and removing
     * the file turns it back on, all while the daemon runs.
     */
    @Test
    void configurationChoosesTheDefaultModules() throws Exception {
        assumeUsable("runc");
        Path config = daemon.plugins.resolve("dev.berth.plugin.spec.impl.OciSpecStage.cfg");
        List<String> capEff = run("runc", "--rm", image(), "grep", "CapEff", "/proc/self/status");
        try {
            Files.writeString(config, "disabledIsolationModules=capabilities\n");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            Cli.Result off = berth(capEff);
            while (!off.stdout().contains("0000000000000000") && System.nanoTime() < deadline) {
                Thread.sleep(250);
                off = berth(capEff);
            }
            assertEquals(0, off.exit(), off.toString());
            assertTrue(off.stdout().contains("0000000000000000"), "capabilities off by configuration: " + off);
            Cli.Result plugins = berth("plugins");
            assertTrue(plugins.stdout().lines().anyMatch(l -> l.matches("300\\s+capabilities\\s+off \\(configured\\).*")),
                    "berth plugins shows the configured default: " + plugins.stdout());
            List<String> named = run("runc", "--rm", "--isolation-module", "capabilities", image(), "grep", "CapEff",
                    "/proc/self/status");
            Cli.Result on = berth(named);
            assertTrue(on.stdout().contains("00000000a80425fb"), "asked for by name: " + on);
        } finally {
            Files.deleteIfExists(config);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Cli.Result back = berth(capEff);
        while (!back.stdout().contains("00000000a80425fb") && System.nanoTime() < deadline) {
            Thread.sleep(250);
            back = berth(capEff);
        }
        assertTrue(back.stdout().contains("00000000a80425fb"), "the default again once the file is gone: " + back);
    }

    /**
     * No host user but root reaches a container's files or its spec: the state root and the folders
     * under it can be passed but not listed, each container's mount folder is root's (or, with a user
     * namespace, open by group to the container's mapped root only), and config.json, which holds the
     * environment, is root's to read. Checked as the unprivileged user nobody, with setpriv.
     */
    @Test
    void anUnprivilegedHostUserCannotReachAContainersFilesOrSpec() throws Exception {
        assumeUsable("runc");
        String name = "private-" + ProcessHandle.current().pid();
        try {
            Cli.Result started = berth(run("runc", "-d", "--name", name, "-e", "SECRET=hunter2", image(), "sleep", "60"));
            assertEquals(0, started.exit(), started.toString());
            String id = inspect(name).path("id").asText();
            Path root = daemon.root;
            for (Path target : List.of(root.resolve("mounts").resolve(id).resolve("merged").resolve("bin"),
                    root.resolve("containers").resolve(id).resolve("config.json"), root.resolve("containers"),
                    root.resolve("mounts"), root.resolve("events"))) {
                Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "cat", target.toString()).redirectErrorStream(true).start();
                String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertTrue(p.waitFor(10, TimeUnit.SECONDS));
                assertNotEquals(0, p.exitValue(), "nobody read " + target + ": " + output);
                assertTrue(output.contains("Permission denied"), target + ": " + output);
                assertFalse(output.contains("hunter2"), output);
            }
        } finally {
            berth("rm", "-f", name);
        }
    }

    /**
     * What modules allocate per container (a {@code --userns auto} uid range, an SELinux MCS pair, which
     * is computed and recorded even on a host without SELinux) is rebuilt from the log when the daemon
     * comes back after a SIGKILL: a container created afterwards never gets what a living one holds, and
     * removing the living one frees it again.
     */
    @Test
    void allocationsAreRebuiltFromTheLogAfterTheDaemonIsKilled() throws Exception {
        assumeUsable("runc");
        String first = "alloc-a-" + ProcessHandle.current().pid();
        String second = "alloc-b-" + ProcessHandle.current().pid();
        try {
            Cli.Result created = berth("create", "--name", first, "--userns", "auto", image(), "true");
            assertEquals(0, created.exit(), created.toString());
            Map<String, String> before = facts(first);
            daemon.kill();
            daemon.start();
            Cli.Result again = berth("create", "--name", second, "--userns", "auto", image(), "true");
            assertEquals(0, again.exit(), again.toString());
            Map<String, String> after = facts(second);
            assertNotEquals(before.get("namespaces.uidmap"), after.get("namespaces.uidmap"),
                    "a uid range held by a container from before the restart was handed out again");
            assertNotEquals(before.get("selinux.level"), after.get("selinux.level"),
                    "an MCS pair held by a container from before the restart was handed out again");
            assertTrue(before.get("selinux.level").matches("s0:c\\d+,c\\d+"), before.toString());
        } finally {
            berth("rm", "-f", first);
            berth("rm", "-f", second);
        }
    }

    /** The facts each module recorded for container {@code name}, as {@code module.key}. */
    private static Map<String, String> facts(String name) throws Exception {
        Map<String, String> facts = new java.util.TreeMap<>();
        for (JsonNode module : inspect(name).path("isolation")) {
            module.path("facts").fields().forEachRemaining(f -> facts.put(module.path("id").asText() + "." + f.getKey(),
                    f.getValue().asText()));
        }
        return facts;
    }

    // helpers

    private static JsonNode inspect(String name) throws Exception {
        Cli.Result result = berth("inspect", name);
        assertEquals(0, result.exit(), result.toString());
        return JSON.readTree(result.stdout()).get(0);
    }

    /** The one event of {@code type} about {@code subject}, from {@code berth events --format json}. */
    private static JsonNode event(String subject, String type) throws Exception {
        Cli.Result events = berth("events", "--filter", "subject=" + subject, "--format", "json");
        assertEquals(0, events.exit(), events.toString());
        List<JsonNode> found = new ArrayList<>();
        for (String line : events.lines()) {
            JsonNode event = JSON.readTree(line);
            if (event.path("type").asText().equals(type)) {
                found.add(event);
            }
        }
        assertEquals(1, found.size(), "one " + type + " event about " + subject + ":\n" + events.stdout());
        return found.get(0);
    }

    /** The record of isolation module {@code id} in a {@code modules} or {@code isolation} array. */
    private static JsonNode module(JsonNode modules, String id) {
        for (JsonNode m : modules) {
            if (m.path("id").asText().equals(id)) {
                return m;
            }
        }
        throw new AssertionError("no module " + id + " in " + modules);
    }

    private static Set<String> pointers(JsonNode module) {
        Set<String> pointers = new HashSet<>();
        module.path("fields").forEach(f -> pointers.add(f.path("pointer").asText()));
        return pointers;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** busybox {@code ps} rows as {pid, user, command}, the header left out. */
    private static List<String[]> psRows(String output) {
        return output.lines().map(String::strip).filter(l -> l.matches("\\d+\\s+\\S+\\s+.*"))
                .map(l -> l.split("\\s+", 3)).toList();
    }
}
