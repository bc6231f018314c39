package dev.berth.plugin.seccomp.impl;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationModuleContract;
import dev.berth.api.isolation.IsolationRequest;
import dev.berth.api.isolation.SpecField;
import dev.berth.schemas.RuntimeSpecSchemas;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What the module sets for each option, the default profile's content, and how Docker profiles are read. */
class SeccompPolicyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RuntimeSpecSchemas SCHEMAS = new RuntimeSpecSchemas();
    private static final SyscallTable TABLE = SyscallTable.shipped();
    private static final SeccompPolicy X86 = new SeccompPolicy(TABLE, Optional.of(HostArch.X86_64), "6.1.0-18-amd64", true);
    private static final SeccompPolicy ARM = new SeccompPolicy(TABLE, Optional.of(HostArch.AARCH64), "5.10.0", true);

    /** Docker's 14 default capabilities, what the capabilities module gives a container by default. */
    static final List<String> DOCKER_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    /** The contract's base spec with bounding, effective and permitted set to {@code capabilities}. */
    static String spec(List<String> capabilities) {
        ObjectNode spec;
        try {
            spec = (ObjectNode) JSON.readTree(IsolationModuleContract.BASE_SPEC);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the contract's base spec is not JSON", e);
        }
        ObjectNode caps = spec.withObjectProperty("process").withObjectProperty("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            capabilities.forEach(caps.putArray(set)::add);
        }
        return spec.toString();
    }

    /** Docker's 14 and {@code more}. */
    static String dockerSpecWith(String... more) {
        List<String> caps = new ArrayList<>(DOCKER_CAPS);
        caps.addAll(List.of(more));
        return spec(caps);
    }

    /** What {@code policy} contributes for {@code options} in a container with Docker's 14 capabilities. */
    private static Contribution contribute(SeccompPolicy policy, Map<String, List<String>> options)
            throws BerthException {
        return contribute(policy, options, dockerSpecWith());
    }

    private static Contribution contribute(SeccompPolicy policy, Map<String, List<String>> options, String spec)
            throws BerthException {
        return policy.contribute(new IsolationRequest("c1", "c1", options, spec, Map.of()));
    }

    private static Map<String, List<String>> profile(String json) {
        return Map.of("security-opt", List.of("seccomp=" + json));
    }

    /** The /linux/seccomp value set, parsed; fails when there is none. */
    private static JsonNode seccomp(Contribution c) throws Exception {
        assertEquals(1, c.fields().size(), c.toString());
        SpecField field = c.fields().get(0);
        assertEquals("/linux/seccomp", field.pointer());
        return JSON.readTree(field.value());
    }

    /** The names of the default profile's unconditional allow rule. */
    private static List<String> allowed(JsonNode profile) {
        assertEquals("SCMP_ACT_ALLOW", profile.get("syscalls").get(0).get("action").asText());
        return texts(profile.get("syscalls").get(0).get("names"));
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void defaultProfileAllowsTheTableMinusTheBlockList() throws Exception {
        Contribution c = contribute(X86, Map.of());
        JsonNode p = seccomp(c);
        assertEquals("SCMP_ACT_ERRNO", p.get("defaultAction").asText());
        assertEquals(1, p.get("defaultErrnoRet").asInt());
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"), texts(p.get("architectures")));
        List<String> allowed = texts(p.get("syscalls").get(0).get("names"));
        assertEquals("SCMP_ACT_ALLOW", p.get("syscalls").get(0).get("action").asText());
        for (String name : List.of("read", "write", "openat", "execve", "fork", "vfork", "wait4", "futex", "mmap",
                "rt_sigaction", "socket", "chroot", "setuid", "personality", "_llseek", "socketcall")) {
            assertTrue(allowed.contains(name), name + " must stay allowed");
        }
        for (String name : List.of("unshare", "setns", "mount", "ptrace", "bpf", "keyctl", "init_module",
                "kexec_load", "open_by_handle_at", "clone", "clone3", "io_uring_setup")) {
            assertFalse(allowed.contains(name), name + " must not be allowed unconditionally");
        }
        assertEquals(TABLE.known().size(), allowed.size() + TABLE.blocked().size() + 2, "every known call is decided once");
        assertEquals(allowed.size(), new HashSet<>(allowed).size());
        String reason = c.fields().get(0).reason();
        assertTrue(reason.contains(allowed.size() + " of " + TABLE.known().size() + " known system calls allowed, "
                + TABLE.blocked().size() + " blocked"), reason);
        assertEquals("default", c.facts().get("profile"));
        assertEquals(SeccompPolicy.sha256(c.fields().get(0).value()), c.facts().get("sha256"));
    }

    @Test
    void cloneIsAllowedOnlyWithoutNamespaceFlagsAndClone3AnswersEnosys() throws Exception {
        JsonNode rules = seccomp(contribute(X86, Map.of())).get("syscalls");
        JsonNode clone = rules.get(1);
        assertEquals(List.of("clone"), texts(clone.get("names")));
        assertEquals("SCMP_ACT_ALLOW", clone.get("action").asText());
        JsonNode arg = clone.get("args").get(0);
        assertEquals(0, arg.get("index").asInt());
        assertEquals(0x10000000L | 0x20000000L | 0x40000000L | 0x00020000L | 0x02000000L | 0x04000000L | 0x08000000L,
                arg.get("value").asLong());
        assertEquals(0, arg.get("valueTwo").asLong());
        assertEquals("SCMP_CMP_MASKED_EQ", arg.get("op").asText());
        JsonNode clone3 = rules.get(2);
        assertEquals(List.of("clone3"), texts(clone3.get("names")));
        assertEquals("SCMP_ACT_ERRNO", clone3.get("action").asText());
        assertEquals(38, clone3.get("errnoRet").asInt());
    }

    @Test
    void blockListHasAReasonForEachKnownName() {
        assertTrue(TABLE.blocked().size() >= 40, "block list shrank: " + TABLE.blocked().size());
        TABLE.blocked().forEach((name, reason) -> {
            assertTrue(TABLE.known().contains(name), name);
            assertFalse(reason.isBlank(), name);
        });
        assertTrue(TABLE.known().size() > 400, "syscalls.txt looks truncated: " + TABLE.known().size());
    }

    @Test
    void aarch64HostsGetArmArchitectures() throws Exception {
        assertEquals(List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"), texts(seccomp(contribute(ARM, Map.of())).get("architectures")));
    }

    @Test
    void everyProfileWrittenIsSchemaValid() throws Exception {
        for (Contribution c : List.of(contribute(X86, Map.of()), contribute(X86, Map.of(), dockerSpecWith("CAP_SYS_ADMIN")),
                contribute(X86, profile(DOCKER_STYLE)),
                contribute(X86, profile(SeccompModuleContractTest.SMALL)))) {
            ObjectNode config = (ObjectNode) JSON.readTree(IsolationModuleContract.BASE_SPEC);
            ((ObjectNode) config.get("linux")).set("seccomp", seccomp(c));
            assertEquals(List.of(), SCHEMAS.validateConfig(config), c.fields().get(0).reason());
        }
    }

    @Test
    void unconfinedAndPrivilegedSetNothingAndSaySo() throws Exception {
        for (Map<String, List<String>> options : List.of(Map.of("security-opt", List.of("seccomp=unconfined")),
                Map.of("security-opt", List.of("seccomp:unconfined")), Map.of("privileged", List.of("true")))) {
            Contribution c = contribute(X86, options);
            assertEquals(List.of(), c.fields(), options.toString());
            assertTrue(c.notes().get(0).startsWith("no seccomp filter"), c.notes().toString());
            assertEquals("unconfined", c.facts().get("profile"));
        }
        assertEquals(1, contribute(X86, Map.of("privileged", List.of("false"))).fields().size());
        assertEquals(1, contribute(X86, Map.of("privileged", List.of("true"), "security-opt",
                List.of("seccomp=" + SeccompModuleContractTest.SMALL))).fields().size(), "an explicit profile wins");
    }

    @Test
    void configurationCanForbidUnconfined() throws Exception {
        SeccompPolicy strict = new SeccompPolicy(TABLE, Optional.of(HostArch.X86_64), "6.1.0", false);
        BerthException e = assertThrows(BerthException.class,
                () -> contribute(strict, Map.of("security-opt", List.of("seccomp=unconfined"))));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("unconfinedAllowed=false"), e.getMessage());
        assertEquals(1, contribute(strict, Map.of("privileged", List.of("true"))).fields().size());
    }

    @Test
    void laterSeccompOptionWins() throws Exception {
        Contribution c = contribute(X86, Map.of("security-opt", List.of("seccomp=unconfined",
                "seccomp=" + SeccompModuleContractTest.SMALL)));
        assertEquals("SCMP_ACT_ALLOW", seccomp(c).get("defaultAction").asText());
    }

    @Test
    void unknownHostArchitectureHasNoDefaultButTakesAProfile() throws Exception {
        SeccompPolicy other = new SeccompPolicy(TABLE, HostArch.of("ppc64le"), "6.1.0", true);
        BerthException e = assertThrows(BerthException.class, () -> contribute(other, Map.of()));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("seccomp=PROFILE.json"), e.getMessage());
        assertEquals(1, contribute(other, profile(SeccompModuleContractTest.SMALL)).fields().size());
    }

    /** A profile in Docker's format: archMap, a singular name, comments and conditions. */
    static final String DOCKER_STYLE = """
            {"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,
             "archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"]},
                        {"architecture":"SCMP_ARCH_AARCH64","subArchitectures":["SCMP_ARCH_ARM"]}],
             "syscalls":[
              {"names":["read","write","exit_group"],"action":"SCMP_ACT_ALLOW","comment":"basics"},
              {"name":"mount","action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN"]}},
              {"names":["chown"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CHOWN"]}},
              {"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2114060288,"valueTwo":0,
                "op":"SCMP_CMP_MASKED_EQ"}],"excludes":{"caps":["CAP_SYS_ADMIN"]}},
              {"names":["arch_prctl"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["amd64","x32"]}},
              {"names":["ptrace"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"4.8"}},
              {"names":["futex_waitv"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"5.16"}},
              {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":18446744073709551615,
                "op":"SCMP_CMP_EQ"}],"excludes":{"arches":["s390x"]}},
              {"names":["brand_new_call","s390_pci_mmio_read"],"action":"SCMP_ACT_ALLOW"}]}
            """;

    static Stream<Arguments> dockerRules() {
        return Stream.of(
                Arguments.of("CommentDropped", X86, "read", true),
                Arguments.of("SingularNameNeedingSysAdminLeftOut", X86, "mount", false),
                Arguments.of("CapabilityInDockerDefaultsKept", X86, "chown", true),
                Arguments.of("ExcludedOnlyWithSysAdminKept", X86, "clone", true),
                Arguments.of("IncludedArchMatches", X86, "arch_prctl", true),
                Arguments.of("IncludedArchDoesNotMatch", ARM, "arch_prctl", false),
                Arguments.of("MinKernelMet", X86, "ptrace", true),
                Arguments.of("MinKernelMetOnSix", X86, "futex_waitv", true),
                Arguments.of("MinKernelNotMet", ARM, "futex_waitv", false),
                Arguments.of("ExcludedArchElsewhereKept", X86, "personality", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dockerRules")
    void dockerConditionsAreDecidedForThisHost(String name, SeccompPolicy policy, String syscall, boolean kept)
            throws Exception {
        JsonNode p = seccomp(contribute(policy, profile(DOCKER_STYLE)));
        Set<String> names = new HashSet<>();
        for (JsonNode rule : p.get("syscalls")) {
            names.addAll(texts(rule.get("names")));
            assertFalse(rule.has("comment") || rule.has("includes") || rule.has("excludes") || rule.has("name"),
                    "Docker-only members must not reach config.json: " + rule);
        }
        assertEquals(kept, names.contains(syscall), name + ": " + names);
    }

    @Test
    void dockerProfileIsTranslated() throws Exception {
        Contribution x86 = contribute(X86, profile(DOCKER_STYLE));
        JsonNode p = seccomp(x86);
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"), texts(p.get("architectures")));
        assertEquals(List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"),
                texts(seccomp(contribute(ARM, profile(DOCKER_STYLE))).get("architectures")));
        assertEquals("18446744073709551615", p.get("syscalls").get(6).get("args").get(0).get("value").asText());
        String reason = x86.fields().get(0).reason();
        assertTrue(reason.contains("default SCMP_ACT_ERRNO, 8 rules, 1 left out"), reason);
        assertTrue(x86.notes().stream().anyMatch(n -> n.contains("brand_new_call")), x86.notes().toString());
        assertEquals("custom", x86.facts().get("profile"));
    }

    @Test
    void archMapWithoutTheHostLeavesTheRuntimeDefault() throws Exception {
        JsonNode p = seccomp(contribute(X86, profile("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"archMap\":"
                + "[{\"architecture\":\"SCMP_ARCH_S390X\",\"subArchitectures\":[\"SCMP_ARCH_S390\"]}]}")));
        assertFalse(p.has("architectures"), p.toString());
    }

    @Test
    void checkRefusesAsContributeDoes() {
        SeccompPolicy strict = new SeccompPolicy(TABLE, Optional.of(HostArch.X86_64), "6.1.0", false);
        SeccompPolicy noDefault = new SeccompPolicy(TABLE, Optional.empty(), "6.1.0", true);
        for (SeccompPolicy policy : List.of(strict, noDefault)) {
            for (Map<String, List<String>> options : List.of(Map.of("security-opt", List.of("seccomp=unconfined")),
                    profile("{\"defaultAction\":"), Map.<String, List<String>>of())) {
                BerthException contributed = null;
                try {
                    contribute(policy, options);
                } catch (BerthException e) {
                    contributed = e;
                }
                if (contributed == null) {
                    assertDoesNotThrow(() -> policy.check(new IsolationRequest("c1", "c1", options, "{}", Map.of())));
                    continue;
                }
                BerthException checked = assertThrows(BerthException.class,
                        () -> policy.check(new IsolationRequest("c1", "c1", options, "{}", Map.of())));
                assertEquals(contributed.kind(), checked.kind());
                assertEquals(contributed.getMessage(), checked.getMessage());
            }
        }
    }

    // --- Capabilities: the bounding set in the spec unlocks blocked calls and decides Docker caps conditions.

    private static final List<String> SYS_ADMIN_UNLOCKS = List.of("mount", "umount", "umount2", "pivot_root",
            "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr", "unshare", "setns",
            "quotactl", "quotactl_fd", "lookup_dcookie", "bpf", "perf_event_open", "syslog");
    private static final List<String> SYS_PTRACE_UNLOCKS = List.of("ptrace", "process_vm_readv", "process_vm_writev",
            "kcmp");
    /** Blocked whatever the capabilities: see the comment at the top of unlocks.txt. */
    private static final List<String> NEVER_UNLOCKED = List.of("kexec_load", "kexec_file_load", "keyctl", "add_key",
            "request_key", "swapon", "swapoff", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
            "vm86", "vm86old", "create_module", "get_kernel_syms", "query_module", "nfsservctl", "uselib", "ustat",
            "sysfs", "_sysctl", "bdflush");

    private static JsonNode cloneRule(JsonNode profile) {
        JsonNode clone = profile.get("syscalls").get(1);
        assertEquals(List.of("clone"), texts(clone.get("names")));
        assertEquals("SCMP_ACT_ALLOW", clone.get("action").asText());
        return clone;
    }

    private static void assertClone3AnswersEnosys(JsonNode profile) {
        JsonNode clone3 = profile.get("syscalls").get(2);
        assertEquals(List.of("clone3"), texts(clone3.get("names")));
        assertEquals("SCMP_ACT_ERRNO", clone3.get("action").asText());
        assertEquals(38, clone3.get("errnoRet").asInt());
    }

    @Test
    void defaultProfileWithoutUnlockingCapabilitiesIsTheBlockList() throws Exception {
        Contribution docker = contribute(X86, Map.of(), dockerSpecWith());
        Contribution none = contribute(X86, Map.of(), spec(List.of()));
        assertEquals(docker.fields().get(0).value(), none.fields().get(0).value(),
                "Docker's 14 unlock nothing: the same profile as no capabilities");
        assertEquals(List.of(), docker.notes());
        assertEquals(TABLE.allowed(), allowed(seccomp(docker)));
        assertTrue(cloneRule(seccomp(docker)).has("args"), "clone keeps its namespace-flag filter");
        assertFalse(docker.fields().get(0).reason().contains("plus"), docker.fields().get(0).reason());
    }

    @Test
    void sysAdminUnlocksMountsNamespacesAndUnfilteredClone() throws Exception {
        Contribution c = contribute(X86, Map.of(), dockerSpecWith("CAP_SYS_ADMIN"));
        JsonNode p = seccomp(c);
        List<String> allowed = allowed(p);
        for (String name : SYS_ADMIN_UNLOCKS) {
            assertTrue(allowed.contains(name), name + " is unlocked by CAP_SYS_ADMIN");
        }
        for (String name : List.of("ptrace", "process_vm_readv", "init_module", "reboot", "settimeofday", "acct",
                "open_by_handle_at", "iopl")) {
            assertFalse(allowed.contains(name), name + " needs another capability");
        }
        for (String name : NEVER_UNLOCKED) {
            assertFalse(allowed.contains(name), name + " stays blocked");
        }
        assertFalse(allowed.contains("clone") || allowed.contains("clone3"), allowed.toString());
        assertFalse(cloneRule(p).has("args"), "CAP_SYS_ADMIN lifts clone's namespace-flag filter: " + p.get("syscalls").get(1));
        assertClone3AnswersEnosys(p);
        assertEquals(TABLE.allowed().size() + SYS_ADMIN_UNLOCKS.size(), allowed.size());
        assertEquals(allowed.size(), new HashSet<>(allowed).size());
        assertEquals(TABLE.known().size(), allowed.size() + TABLE.blocked().size() - SYS_ADMIN_UNLOCKS.size() + 2,
                "every known call is decided once");
        String reason = c.fields().get(0).reason();
        assertTrue(reason.contains(TABLE.allowed().size() + " of " + TABLE.known().size()
                + " known system calls allowed, plus mount, umount, umount2, pivot_root, fsopen, fsconfig, fsmount,"
                + " fspick, move_mount, open_tree, mount_setattr, unshare, setns, clone with namespace flags, quotactl,"
                + " quotactl_fd, lookup_dcookie, bpf, perf_event_open, syslog for CAP_SYS_ADMIN; "
                + (TABLE.blocked().size() - SYS_ADMIN_UNLOCKS.size()) + " still blocked with EPERM, clone3 answers ENOSYS"),
                reason);
        assertEquals(List.of(), c.notes());
        assertEquals("default", c.facts().get("profile"));
        assertEquals(SeccompPolicy.sha256(c.fields().get(0).value()), c.facts().get("sha256"));
    }

    @Test
    void sysPtraceUnlocksPtraceOnly() throws Exception {
        Contribution c = contribute(X86, Map.of(), dockerSpecWith("CAP_SYS_PTRACE"));
        JsonNode p = seccomp(c);
        List<String> allowed = allowed(p);
        assertTrue(allowed.containsAll(SYS_PTRACE_UNLOCKS), allowed.toString());
        assertEquals(TABLE.allowed().size() + SYS_PTRACE_UNLOCKS.size(), allowed.size());
        for (String name : List.of("mount", "unshare", "setns", "pivot_root", "bpf")) {
            assertFalse(allowed.contains(name), name + " needs CAP_SYS_ADMIN");
        }
        assertTrue(cloneRule(p).has("args"), "clone keeps its filter without CAP_SYS_ADMIN");
        assertClone3AnswersEnosys(p);
        String reason = c.fields().get(0).reason();
        assertTrue(reason.contains("allowed, plus ptrace, process_vm_readv, process_vm_writev, kcmp for CAP_SYS_PTRACE; "
                + (TABLE.blocked().size() - 4) + " still blocked with EPERM, clone only without namespace flags"), reason);
    }

    @Test
    void eachCapabilityIsNamedWithWhatItUnlocked() throws Exception {
        Contribution c = contribute(X86, Map.of(), dockerSpecWith("CAP_SYS_PTRACE", "CAP_SYS_ADMIN", "CAP_BPF"));
        String reason = c.fields().get(0).reason();
        assertTrue(reason.contains("syslog for CAP_SYS_ADMIN; plus bpf for CAP_BPF; plus ptrace, process_vm_readv,"
                + " process_vm_writev, kcmp for CAP_SYS_PTRACE;"), reason);
        assertFalse(reason.contains("lookup_dcookie, bpf,"), "bpf is attributed to CAP_BPF, its first capability: " + reason);
    }

    static Stream<Arguments> unlocks() {
        return Stream.of(
                Arguments.of("SysTime", "CAP_SYS_TIME", List.of("settimeofday", "stime", "clock_settime",
                        "clock_settime64", "adjtimex", "clock_adjtime", "clock_adjtime64")),
                Arguments.of("SysModule", "CAP_SYS_MODULE", List.of("init_module", "finit_module", "delete_module")),
                Arguments.of("SysBootRebootsButNoKexec", "CAP_SYS_BOOT", List.of("reboot")),
                Arguments.of("SysRawio", "CAP_SYS_RAWIO", List.of("iopl", "ioperm")),
                Arguments.of("SysPacct", "CAP_SYS_PACCT", List.of("acct")),
                Arguments.of("SysTtyConfig", "CAP_SYS_TTY_CONFIG", List.of("vhangup")),
                Arguments.of("Syslog", "CAP_SYSLOG", List.of("syslog")),
                Arguments.of("Bpf", "CAP_BPF", List.of("bpf")),
                Arguments.of("Perfmon", "CAP_PERFMON", List.of("perf_event_open")),
                Arguments.of("DacReadSearch", "CAP_DAC_READ_SEARCH", List.of("open_by_handle_at", "name_to_handle_at")),
                Arguments.of("NetAdminUnlocksNothing", "CAP_NET_ADMIN", List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unlocks")
    void capabilityUnlocksExactlyItsCalls(String name, String capability, List<String> calls) throws Exception {
        Contribution c = contribute(X86, Map.of(), dockerSpecWith(capability));
        List<String> extra = new ArrayList<>(allowed(seccomp(c)));
        extra.removeAll(TABLE.allowed());
        assertEquals(calls, extra, name);
        assertTrue(cloneRule(seccomp(c)).has("args"), name);
        String reason = c.fields().get(0).reason();
        assertEquals(!calls.isEmpty(), reason.contains("plus " + String.join(", ", calls) + " for " + capability), reason);
    }

    @Test
    void everyCapabilityStillLeavesTheNeverUnlockedCallsBlocked() throws Exception {
        Contribution c = contribute(X86, Map.of(), spec(dev.berth.api.isolation.Capabilities.names()));
        List<String> allowed = allowed(seccomp(c));
        List<String> stillBlocked = new ArrayList<>(TABLE.blocked().keySet());
        stillBlocked.removeAll(allowed);
        assertEquals(new HashSet<>(NEVER_UNLOCKED), new HashSet<>(stillBlocked),
                "a change to what may be unlocked must be a change to unlocks.txt's comment and this list");
        assertClone3AnswersEnosys(seccomp(c));
    }

    @Test
    void unlocksNameBlockedCallsWithKnownCapabilitiesAndReasons() {
        assertTrue(TABLE.unlocks().size() >= 40, "unlocks.txt looks truncated: " + TABLE.unlocks().size());
        for (SyscallTable.Unlock unlock : TABLE.unlocks()) {
            assertTrue(TABLE.blocked().containsKey(unlock.name()) || unlock.name().equals("clone"), unlock.toString());
            assertFalse(unlock.name().equals("clone3"), "clone3 must keep answering ENOSYS");
            assertFalse(unlock.reason().isBlank(), unlock.toString());
            unlock.capabilities().forEach(cap -> assertTrue(dev.berth.api.isolation.Capabilities.bit(cap) >= 0, cap));
        }
        assertThrows(IllegalArgumentException.class, () -> new SyscallTable(TABLE.known(), TABLE.blocked(),
                List.of(new SyscallTable.Unlock("read", List.of("CAP_SYS_ADMIN"), "not blocked"))));
        assertThrows(IllegalArgumentException.class, () -> new SyscallTable.Unlock("mount", List.of("CAP_MOUNT"), "x"));
    }

    static Stream<Arguments> capabilityConditions() {
        return Stream.of(
                Arguments.of("IncludedCapabilityHeldKept", List.of("CAP_SYS_ADMIN"), "mount", true),
                Arguments.of("IncludedCapabilityNotHeldLeftOut", DOCKER_CAPS, "mount", false),
                Arguments.of("DockerDefaultNotInTheSetLeftOut", List.of("CAP_SYS_ADMIN"), "chown", false),
                Arguments.of("DockerDefaultInTheSetKept", DOCKER_CAPS, "chown", true),
                Arguments.of("ExcludedCapabilityHeldLeftOut", List.of("CAP_SYS_ADMIN"), "clone", false),
                Arguments.of("ExcludedCapabilityNotHeldKept", List.of(), "clone", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("capabilityConditions")
    void dockerCapsConditionsAreJudgedAgainstTheSpecsBoundingSet(String name, List<String> bounding, String syscall,
            boolean kept) throws Exception {
        Contribution c = contribute(X86, profile(DOCKER_STYLE), spec(bounding));
        Set<String> names = new HashSet<>();
        seccomp(c).get("syscalls").forEach(rule -> names.addAll(texts(rule.get("names"))));
        assertEquals(kept, names.contains(syscall), name + ": " + names);
        assertEquals(List.of(), c.notes().stream().filter(n -> n.contains("Docker's 14")).toList());
    }

    static Stream<Arguments> unusableSpecs() {
        return Stream.of(
                Arguments.of("NoCapabilitiesObject", "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"]}}",
                        "the spec has no /process/capabilities"),
                Arguments.of("NoProcess", "{}", "the spec has no /process/capabilities"),
                Arguments.of("NoBoundingSet", "{\"process\":{\"capabilities\":{\"effective\":[\"CAP_SYS_ADMIN\"]}}}",
                        "the spec has no /process/capabilities/bounding"),
                Arguments.of("BoundingNotAnArray", "{\"process\":{\"capabilities\":{\"bounding\":\"CAP_SYS_ADMIN\"}}}",
                        "/process/capabilities/bounding is not an array"),
                Arguments.of("BoundingHoldsANumber", "{\"process\":{\"capabilities\":{\"bounding\":[21]}}}",
                        "/process/capabilities/bounding/0 is not a string"),
                Arguments.of("NotJson", "{\"process\":", "the spec is not JSON"),
                Arguments.of("NotAnObject", "[]", "the spec is not a JSON object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unusableSpecs")
    void unusableSpecFallsBackToDockersDefaultsWithANote(String name, String spec, String why) throws Exception {
        Contribution c = contribute(X86, Map.of(), spec);
        assertEquals(contribute(X86, Map.of(), dockerSpecWith()).fields().get(0).value(), c.fields().get(0).value(),
                name + ": Docker's 14 unlock nothing");
        assertEquals(1, c.notes().size(), c.notes().toString());
        String note = c.notes().get(0);
        assertTrue(note.startsWith(why) && note.contains("judged against Docker's 14 default capabilities"), note);

        Contribution custom = contribute(X86, profile(DOCKER_STYLE), spec);
        Set<String> names = new HashSet<>();
        seccomp(custom).get("syscalls").forEach(rule -> names.addAll(texts(rule.get("names"))));
        assertTrue(names.contains("chown") && !names.contains("mount"), name + ": judged as Docker's 14: " + names);
        assertTrue(custom.notes().stream().anyMatch(n -> n.startsWith(why) && n.contains("includes/excludes caps")),
                custom.notes().toString());
        Contribution noCaps = contribute(X86, profile(SeccompModuleContractTest.SMALL), spec);
        assertEquals(List.of(), noCaps.notes(), "a profile without caps conditions needs no note");
    }

    @Test
    void checkFallsBackSilentlyOnTheEmptySpec() {
        String needsSysAdmin = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"mount\"],"
                + "\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}}]}";
        for (Map<String, List<String>> options : List.of(Map.<String, List<String>>of(), profile(needsSysAdmin))) {
            assertDoesNotThrow(() -> X86.check(new IsolationRequest("c1", "c1", options, "{}", Map.of())));
        }
        BerthException e = assertThrows(BerthException.class, () -> X86.check(new IsolationRequest("c1", "c1",
                profile("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mount\"],"
                        + "\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_MOUNT\"]}}]}"), "{}",
                Map.of())));
        assertEquals(ErrorKind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("\"CAP_MOUNT\" is not a capability"), e.getMessage());
    }
}
