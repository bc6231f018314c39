package dev.berth.plugin.seccomp.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.IsolationModuleContract;
import dev.berth.api.isolation.IsolationRequest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and malformed profiles, each named: every one is refused as INVALID before anything is created,
 * with the place in the profile and the problem in the message.
 */
class HostileProfileTest {
    private static final SeccompPolicy POLICY = new SeccompPolicy(SyscallTable.shipped(), Optional.of(HostArch.X86_64),
            "6.1.0-18-amd64", true);

    static Stream<Arguments> hostile() {
        String rule = "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}";
        return Stream.of(
                Arguments.of("NotJson", "{defaultAction: ALLOW}", "profile: not JSON at line 1 column 2"),
                Arguments.of("Truncated", "{\"defaultAction\":\"SCMP_ACT_ALLOW\"", "profile: not JSON"),
                Arguments.of("TrailingDocument", "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}{}", "profile: not JSON"),
                Arguments.of("DuplicateKeyHidesAction",
                        "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultAction\":\"SCMP_ACT_ALLOW\"}",
                        "Duplicate field 'defaultAction'"),
                Arguments.of("NoDefaultAction", "{\"syscalls\":[]}", "profile: has no defaultAction"),
                Arguments.of("NullDefaultAction", "{\"defaultAction\":null}", "profile: has no defaultAction"),
                Arguments.of("TopLevelArray", "[]", "seccomp=[]: neither \"unconfined\" nor a JSON profile"),
                Arguments.of("UnknownTopField", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrno\":1}",
                        "profile: unknown field \"defaultErrno\""),
                Arguments.of("UnknownDefaultAction", "{\"defaultAction\":\"SCMP_ACT_ALLOW_ALL\"}",
                        "defaultAction: \"SCMP_ACT_ALLOW_ALL\" is not a seccomp action"),
                Arguments.of("LowerCaseAction", "{\"defaultAction\":\"scmp_act_allow\"}",
                        "defaultAction: \"scmp_act_allow\" is not a seccomp action"),
                Arguments.of("ErrnoWithAllow", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}",
                        "defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return an errno"),
                Arguments.of("NegativeErrno", "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":-1}",
                        "defaultErrnoRet: must be a whole number from 0 to 4294967295, not -1"),
                Arguments.of("FractionalErrno", "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1.5}",
                        "defaultErrnoRet: must be a whole number"),
                Arguments.of("ErrnoAsString", "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":\"1\"}",
                        "defaultErrnoRet: must be a whole number"),
                Arguments.of("UnknownArchitecture",
                        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_Z80\"]}",
                        "architectures: \"SCMP_ARCH_Z80\" is not a seccomp architecture"),
                Arguments.of("ArchitecturesAndArchMap", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[],"
                        + "\"archMap\":[]}", "archMap: give architectures or archMap, not both"),
                Arguments.of("ArchMapUnknownSub", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"archMap\":[{\"architecture\":"
                        + "\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_VAX\"]}]}",
                        "archMap[0].subArchitectures: \"SCMP_ARCH_VAX\""),
                Arguments.of("UnknownFlag", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_X\"]}",
                        "flags: \"SECCOMP_FILTER_FLAG_X\" is not a seccomp filter flag"),
                Arguments.of("SyscallsNotArray", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}",
                        "syscalls: must be an array of rules, not an object"),
                Arguments.of("FourthRuleBadAction", profile(rule, rule, rule,
                        "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_PERMIT\"}"),
                        "syscalls[3].action: \"SCMP_ACT_PERMIT\" is not a seccomp action"),
                Arguments.of("RuleWithoutAction", profile("{\"names\":[\"read\"]}"), "syscalls[0]: has no action"),
                Arguments.of("RuleWithoutNames", profile("{\"action\":\"SCMP_ACT_ALLOW\"}"), "syscalls[0]: has no names"),
                Arguments.of("EmptyNames", profile("{\"names\":[],\"action\":\"SCMP_ACT_ALLOW\"}"),
                        "syscalls[0].names: names no system call"),
                Arguments.of("NameAndNames", profile("{\"name\":\"read\",\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}"),
                        "syscalls[0].name: give names or name, not both"),
                Arguments.of("NameNotAString", profile("{\"names\":[42],\"action\":\"SCMP_ACT_ALLOW\"}"),
                        "syscalls[0].names[0]: must be a string, not a number"),
                Arguments.of("NameWithControlCharacters",
                        profile("{\"names\":[\"read\\u0000write\"],\"action\":\"SCMP_ACT_ALLOW\"}"),
                        "syscalls[0].names[0]: \"read?write\" is not a system call name"),
                Arguments.of("UnknownRuleField", profile("{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"when\":1}"),
                        "syscalls[0]: unknown field \"when\""),
                Arguments.of("ErrnoOnAllowRule", profile("{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"errnoRet\":1}"),
                        "syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE"),
                Arguments.of("ArgIndexBeyondSix", profile(arg("{\"index\":6,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}")),
                        "syscalls[0].args[0].index: 6 is beyond a system call's six arguments"),
                Arguments.of("ArgValueAbove64Bits",
                        profile(arg("{\"index\":0,\"value\":18446744073709551616,\"op\":\"SCMP_CMP_EQ\"}")),
                        "syscalls[0].args[0].value: must be a whole number from 0 to 18446744073709551615"),
                Arguments.of("ArgUnknownOperator", profile(arg("{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_LIKE\"}")),
                        "syscalls[0].args[0].op: \"SCMP_CMP_LIKE\" is not a comparison"),
                Arguments.of("ArgWithoutOp", profile(arg("{\"index\":0,\"value\":1}")), "syscalls[0].args[0]: has no op"),
                Arguments.of("SevenArgConditions", profile(arg(String.join(",", java.util.Collections.nCopies(7,
                        "{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}")))),
                        "syscalls[0].args: 7 conditions, more than 6"),
                Arguments.of("IncludesUnknownCapability", profile("{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\","
                        + "\"includes\":{\"caps\":[\"CAP_GOD_MODE\"]}}"),
                        "syscalls[0].includes.caps[0]: \"CAP_GOD_MODE\" is not a capability"),
                Arguments.of("IncludesBadKernel", profile("{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\","
                        + "\"includes\":{\"minKernel\":\"4.x\"}}"),
                        "syscalls[0].includes.minKernel: \"4.x\" is not a kernel version"),
                Arguments.of("ExcludesMinKernel", profile("{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\","
                        + "\"excludes\":{\"minKernel\":\"4.8\"}}"),
                        "syscalls[0].excludes.minKernel: not supported in excludes"),
                Arguments.of("NotifyWithoutListener", profile("{\"names\":[\"read\"],\"action\":\"SCMP_ACT_NOTIFY\"}"),
                        "listenerPath: SCMP_ACT_NOTIFY needs a listenerPath"),
                Arguments.of("TooManyRules", profile(String.join(",", java.util.Collections.nCopies(
                        ProfileParser.MAX_RULES + 1, rule)).split("(?<=\\}),")),
                        "syscalls: 4097 rules, more than 4096"),
                Arguments.of("HugeProfile", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerMetadata\":\""
                        + "x".repeat(ProfileParser.MAX_CHARS) + "\"}", "profile: longer than 1048576 characters"),
                Arguments.of("DeepNesting", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
                        + "[".repeat(5000) + "]".repeat(5000) + "}", "profile: not JSON"));
    }

    private static String profile(String... rules) {
        return "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" + String.join(",", rules) + "]}";
    }

    private static String arg(String args) {
        return "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[" + args + "]}";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void refusedNamingWhereAndWhat(String name, String profile, String expected) {
        IsolationRequest request = new IsolationRequest("c1", "c1", Map.of("security-opt", List.of("seccomp=" + profile)),
                IsolationModuleContract.BASE_SPEC, Map.of());
        BerthException e = assertThrows(BerthException.class, () -> POLICY.contribute(request), name);
        assertEquals(ErrorKind.INVALID, e.kind(), name + ": " + e.getMessage());
        assertTrue(e.getMessage().startsWith("--security-opt seccomp"), name + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), name + ": \"" + e.getMessage() + "\" lacks \"" + expected + "\"");
        assertTrue(e.getMessage().length() < 600, name + ": message too long: " + e.getMessage().length());
    }
}
