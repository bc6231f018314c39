package dev.berth.plugin.seccomp.impl;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    private static Contribution contribute(SeccompPolicy policy, Map<String, List<String>> options) throws BerthException {
        return policy.contribute(new IsolationRequest("c1", "c1", options, IsolationModuleContract.BASE_SPEC, Map.of()));
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
        for (Contribution c : List.of(contribute(X86, Map.of()), contribute(X86, profile(DOCKER_STYLE)),
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
}
