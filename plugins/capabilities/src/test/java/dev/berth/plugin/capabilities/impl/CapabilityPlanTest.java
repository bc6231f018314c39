package dev.berth.plugin.capabilities.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.IsolationModuleContract;
import dev.berth.api.isolation.IsolationRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The set arithmetic of {@link CapabilityPlan}, case by case: what is granted, and what the audit trail says. */
class CapabilityPlanTest {
    static final List<String> DEFAULTS = CapabilityPlan.DOCKER_DEFAULTS;

    /** One case: options, the engine's bounding set, the expected set and lines the reason and notes must hold. */
    record Case(Map<String, List<String>> options, long engine, List<String> granted, String reason,
            List<String> notes) {
    }

    static List<String> defaultsWith(List<String> plus, List<String> minus) {
        TreeSet<String> set = new TreeSet<>(DEFAULTS);
        set.addAll(plus);
        set.removeAll(minus);
        return new ArrayList<>(set);
    }

    static Stream<Arguments> cases() {
        long host = FakeStatus.THIS_HOST;
        return Stream.of(
                Arguments.of("Defaults", new Case(Map.of(), host, DEFAULTS,
                        "Docker's default 14 capabilities: 14 capabilities bounding, effective and permitted", List.of())),
                Arguments.of("AddNetAdmin", new Case(Map.of("cap-add", List.of("NET_ADMIN")), host,
                        defaultsWith(List.of("CAP_NET_ADMIN"), List.of()),
                        "Docker's default 14 capabilities plus --cap-add NET_ADMIN:",
                        List.of("CAP_NET_ADMIN: added by --cap-add NET_ADMIN"))),
                Arguments.of("AddAndDropDifferent", new Case(Map.of("cap-add", List.of("NET_ADMIN"), "cap-drop",
                        List.of("NET_RAW")), host, defaultsWith(List.of("CAP_NET_ADMIN"), List.of("CAP_NET_RAW")),
                        "Docker's default 14 capabilities plus --cap-add NET_ADMIN, minus --cap-drop NET_RAW:",
                        List.of("CAP_NET_ADMIN: added by --cap-add NET_ADMIN",
                                "CAP_NET_RAW: dropped by --cap-drop NET_RAW"))),
                Arguments.of("AnyCaseWithOrWithoutPrefix", new Case(Map.of("cap-add", List.of("cap_sys_time,Sys_Ptrace")),
                        host, defaultsWith(List.of("CAP_SYS_TIME", "CAP_SYS_PTRACE"), List.of()),
                        "plus --cap-add cap_sys_time, Sys_Ptrace", List.of("CAP_SYS_TIME: added by --cap-add cap_sys_time"))),
                Arguments.of("RepeatedFlagsCountOnce", new Case(Map.of("cap-add", List.of("NET_ADMIN", "net_admin")),
                        host, defaultsWith(List.of("CAP_NET_ADMIN"), List.of()), "plus --cap-add NET_ADMIN:",
                        List.of())),
                Arguments.of("DropAll", new Case(Map.of("cap-drop", List.of("ALL")), host, List.of(),
                        "no capabilities (--cap-drop ALL): 0 capabilities", List.of("--cap-drop ALL"))),
                Arguments.of("DropAllAddChown", new Case(Map.of("cap-drop", List.of("all"), "cap-add", List.of("CHOWN")),
                        host, List.of("CAP_CHOWN"), "no capabilities (--cap-drop ALL) plus --cap-add CHOWN: 1 capability",
                        List.of("CAP_CHOWN: added by --cap-add CHOWN"))),
                Arguments.of("AddAllOnThisHost", new Case(Map.of("cap-add", List.of("ALL")), host,
                        FakeStatus.allBut("CAP_SYS_RESOURCE"),
                        "every capability the engine holds (--cap-add ALL); without CAP_SYS_RESOURCE, which the engine lacks",
                        List.of("40 of the 41 known; left out, because the engine's bounding set lacks them: CAP_SYS_RESOURCE"))),
                Arguments.of("AddAllDropNetRaw", new Case(Map.of("cap-add", List.of("ALL"), "cap-drop", List.of("NET_RAW")),
                        FakeStatus.FULL, FakeStatus.allBut("CAP_NET_RAW"),
                        "every capability the engine holds (--cap-add ALL) minus --cap-drop NET_RAW:",
                        List.of("CAP_NET_RAW: dropped by --cap-drop NET_RAW"))),
                Arguments.of("AddAllAndDropAllGivesAll", new Case(Map.of("cap-add", List.of("ALL"), "cap-drop", List.of("ALL")),
                        FakeStatus.FULL, FakeStatus.allBut(), "every capability the engine holds (--cap-add ALL)",
                        List.of("--cap-drop ALL: overridden by --cap-add ALL"))),
                Arguments.of("PrivilegedOnThisHost", new Case(Map.of("privileged", List.of("true")), host,
                        FakeStatus.allBut("CAP_SYS_RESOURCE"), "every capability the engine holds (--privileged)",
                        List.of("--privileged: every capability the engine holds, 40 of the 41 known"))),
                Arguments.of("PrivilegedFalseIsDefault", new Case(Map.of("privileged", List.of("false")), host, DEFAULTS,
                        "Docker's default 14 capabilities:", List.of())),
                Arguments.of("PrivilegedStillHonoursDrops", new Case(Map.of("privileged", List.of(""), "cap-drop",
                        List.of("SYS_ADMIN")), host, FakeStatus.allBut("CAP_SYS_RESOURCE", "CAP_SYS_ADMIN"),
                        "(--privileged) minus --cap-drop SYS_ADMIN", List.of("CAP_SYS_ADMIN: dropped by --cap-drop SYS_ADMIN (applied under --privileged, unlike Docker)"))),
                Arguments.of("AddAndDropSameDropWins", new Case(Map.of("cap-add", List.of("NET_ADMIN"), "cap-drop",
                        List.of("net_admin")), host, DEFAULTS, "Docker's default 14 capabilities:",
                        List.of("CAP_NET_ADMIN: --cap-add NET_ADMIN and --cap-drop net_admin both given; the drop wins"))),
                Arguments.of("AddAndDropSameDefaultDropWins", new Case(Map.of("cap-add", List.of("CHOWN"), "cap-drop",
                        List.of("CHOWN")), host, defaultsWith(List.of(), List.of("CAP_CHOWN")),
                        "minus --cap-drop CHOWN", List.of("the drop wins"))),
                Arguments.of("AddOfADefaultChangesNothing", new Case(Map.of("cap-add", List.of("KILL")), host, DEFAULTS,
                        "Docker's default 14 capabilities:",
                        List.of("CAP_KILL: --cap-add KILL changes nothing, already one of Docker's default 14 capabilities"))),
                Arguments.of("DropOfAMissingCapChangesNothing", new Case(Map.of("cap-drop", List.of("SYS_ADMIN")), host,
                        DEFAULTS, "Docker's default 14 capabilities:",
                        List.of("CAP_SYS_ADMIN: --cap-drop SYS_ADMIN changes nothing, it was not in the set"))),
                Arguments.of("EngineWithoutNetRawLeavesADefaultOut", new Case(Map.of(),
                        FakeStatus.without(FakeStatus.FULL, "CAP_NET_RAW"), defaultsWith(List.of(), List.of("CAP_NET_RAW")),
                        "Docker's default 14 capabilities; without CAP_NET_RAW, which the engine lacks: 13 capabilities",
                        List.of("CAP_NET_RAW: one of Docker's default 14 capabilities, left out: the engine does not hold it"))),
                Arguments.of("OldKernelWithoutCheckpointRestore", new Case(Map.of("privileged", List.of("true")),
                        FakeStatus.without(FakeStatus.FULL, "CAP_CHECKPOINT_RESTORE", "CAP_BPF", "CAP_PERFMON"),
                        FakeStatus.allBut("CAP_CHECKPOINT_RESTORE", "CAP_BPF", "CAP_PERFMON"),
                        "without CAP_PERFMON, CAP_BPF, CAP_CHECKPOINT_RESTORE, which the engine lacks", List.of())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void grantsTheExpectedSetAndSaysWhy(String name, Case c) throws Exception {
        CapabilityPlan plan = CapabilityPlan.of(CapabilityOptions.parse(request(c.options())),
                new EngineBoundingSet(Path.of("/fake/status"), c.engine()));
        assertEquals(c.granted(), plan.granted(), name);
        assertTrue(plan.reason().contains(c.reason()), name + ": reason \"" + plan.reason() + "\" lacks \"" + c.reason() + "\"");
        assertTrue(plan.reason().endsWith("inheritable and ambient empty"), plan.reason());
        for (String note : c.notes()) {
            assertTrue(plan.notes().stream().anyMatch(n -> n.contains(note)), name + ": no note with \"" + note + "\" in "
                    + plan.notes());
        }
    }

    /** A hostile or mistaken option set and the exact message it must be refused with. */
    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("UnknownName", Map.of("cap-add", List.of("FOO")),
                        "unknown capability \"FOO\" in --cap-add (names are like NET_ADMIN or CAP_NET_ADMIN, or ALL)"),
                Arguments.of("UnknownInDropList", Map.of("cap-drop", List.of("CHOWN,NET_NOPE")),
                        "unknown capability \"NET_NOPE\" in --cap-drop (names are like NET_ADMIN or CAP_NET_ADMIN, or ALL)"),
                Arguments.of("PrefixOnly", Map.of("cap-add", List.of("CAP_")),
                        "unknown capability \"CAP_\" in --cap-add (names are like NET_ADMIN or CAP_NET_ADMIN, or ALL)"),
                Arguments.of("CapAll", Map.of("cap-add", List.of("CAP_ALL")),
                        "unknown capability \"CAP_ALL\" in --cap-add (names are like NET_ADMIN or CAP_NET_ADMIN, or ALL)"),
                Arguments.of("EmptyName", Map.of("cap-add", List.of("")), "--cap-add \"\": empty capability name"),
                Arguments.of("BlankName", Map.of("cap-drop", List.of("  ")), "--cap-drop \"  \": empty capability name"),
                Arguments.of("TrailingComma", Map.of("cap-add", List.of("CHOWN,")), "--cap-add \"CHOWN,\": empty capability name"),
                Arguments.of("EngineLacksIt", Map.of("cap-add", List.of("SYS_RESOURCE")),
                        "--cap-add SYS_RESOURCE: the engine does not hold CAP_SYS_RESOURCE (not in its bounding set, CapBnd in"
                                + " /fake/status), so no container it starts can have it"),
                Arguments.of("BadNoNewPrivileges", Map.of("security-opt", List.of("no-new-privileges=yes")),
                        "--security-opt no-new-privileges=yes: expected no-new-privileges, no-new-privileges=true or"
                                + " no-new-privileges=false"),
                Arguments.of("NoNewPrivilegesWithoutValueAfterSeparator", Map.of("security-opt", List.of("no-new-privileges=")),
                        "--security-opt no-new-privileges=: expected no-new-privileges, no-new-privileges=true or"
                                + " no-new-privileges=false"),
                Arguments.of("BadPrivileged", Map.of("privileged", List.of("on")), "--privileged=on: expected true or false"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusesWithAClearMessage(String name, Map<String, List<String>> options, String message) {
        BerthException e = assertThrows(BerthException.class, () -> CapabilityPlan.of(
                CapabilityOptions.parse(request(options)),
                new EngineBoundingSet(Path.of("/fake/status"), FakeStatus.THIS_HOST)), name);
        assertEquals(ErrorKind.INVALID, e.kind(), name);
        assertEquals(message, e.getMessage(), name);
    }

    static IsolationRequest request(Map<String, List<String>> options) {
        return new IsolationRequest("c1", "c1", options, IsolationModuleContract.BASE_SPEC, Map.of());
    }
}
