package dev.berth.plugin.spec.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.RunOptions;
import dev.berth.api.container.VolumeMount;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.ModuleRecord;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class IsolationChainTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode base() throws Exception {
        return (ObjectNode) JSON.readTree("{\"hostname\":\"h\",\"linux\":{\"resources\":{\"devices\":[]},"
                + "\"namespaces\":[]},\"process\":{\"noNewPrivileges\":false}}");
    }

    private static ActiveModule module(String id, int order, boolean defaultOn, Set<String> options,
            java.util.function.Function<dev.berth.api.isolation.IsolationRequest, Contribution> answer) {
        return new ActiveModule(id, "1.2.3", order, defaultOn, new TestModules.Scripted(options, answer));
    }

    private static RunOptions options(Map<String, List<String>> isolation) {
        return RunOptions.defaults().withIsolation(isolation);
    }

    @Test
    void modulesRunInOrderAndTheirFieldsLandInTheSpec() throws Exception {
        ActiveModule late = module("late", 300, true, Set.of(), r -> Contribution.builder()
                .set("/process/noNewPrivileges", "true", "late says so").note("a note").fact("k", "v").build());
        ActiveModule early = module("early", 100, true, Set.of("pid"), r -> Contribution.builder()
                .set("/linux/namespaces", "[{\"type\":\"pid\"}]", "a pid namespace")
                .remove("/hostname", "no uts").set("/linux/resources/pids", "{\"limit\":5}", "five").build());
        ObjectNode spec = base();
        IsolationChain.Outcome outcome = new IsolationChain(List.of(late, early), Set.of(), Set.of())
                .apply("c1", "n1", options(Map.of("pid", List.of("private"))), Map.of(), spec);

        assertEquals(List.of("early", "late"), outcome.records().stream().map(ModuleRecord::id).toList());
        assertEquals("1.2.3", outcome.records().get(0).version());
        assertEquals(Map.of("k", "v"), outcome.records().get(1).facts());
        assertEquals(List.of("a note"), outcome.records().get(1).notes());
        assertEquals("pid", spec.path("linux").path("namespaces").path(0).path("type").asText());
        assertTrue(spec.path("process").path("noNewPrivileges").asBoolean());
        assertFalse(spec.has("hostname"));
        assertEquals(5, spec.path("linux").path("resources").path("pids").path("limit").asInt());
        assertEquals(0, spec.path("linux").path("resources").path("devices").size(), "untouched fields stay");
        assertEquals(List.of("isolation modules, in order: early 1.2.3, late 1.2.3"), outcome.decisions());
    }

    @Test
    void eachModuleSeesOnlyItsOwnOptionsAndTheVolumes() throws Exception {
        TestModules.Scripted caps = new TestModules.Scripted(Set.of("cap-add", "security-opt=no-new-privileges"),
                r -> Contribution.none("ok"));
        TestModules.Scripted labels = new TestModules.Scripted(Set.of("security-opt=label", "volume"),
                r -> Contribution.none("ok"));
        RunOptions options = new RunOptions(null, null, List.of(), null, null, null, false,
                List.of(new VolumeMount("/srv/a", "/a", true, "Z"), new VolumeMount("/srv/b", "/b", false)),
                false, false, null, Map.of("cap-add", List.of("NET_ADMIN"),
                        "security-opt", List.of("label=disable", "no-new-privileges")));
        new IsolationChain(List.of(new ActiveModule("caps", "1", 1, true, caps),
                new ActiveModule("labels", "1", 2, true, labels)), Set.of(), Set.of())
                .apply("c1", "n1", options, Map.of("web", 42), base());

        assertEquals(Map.of("cap-add", List.of("NET_ADMIN"), "security-opt", List.of("no-new-privileges")),
                caps.asked.get(0).options());
        assertEquals(Map.of("security-opt", List.of("label=disable"), "volume",
                List.of("/srv/a:/a:ro,Z", "/srv/b:/b:rw")), labels.asked.get(0).options());
        assertEquals(Map.of("web", 42), labels.asked.get(0).peers());
        assertTrue(labels.asked.get(0).spec().contains("\"hostname\":\"h\""), "modules see the base spec");
    }

    static Stream<Arguments> refusals() {
        ActiveModule memory = module("cgroups", 200, true, Set.of("memory"),
                r -> Contribution.builder().set("/linux/resources/memory", "{\"limit\":1}", "cgroups: 1 byte").build());
        ActiveModule otherMemory = module("rival", 250, true, Set.of(),
                r -> Contribution.builder().set("/linux/resources/memory", "{\"limit\":2}", "rival: 2 bytes").build());
        ActiveModule wholeResources = module("greedy", 260, true, Set.of(),
                r -> Contribution.builder().set("/linux/resources", "{}", "greedy wants it all").build());
        ActiveModule selfOverlap = module("sloppy", 270, true, Set.of(), r -> Contribution.builder()
                .set("/linux", "{}", "all").set("/linux/namespaces", "[]", "part").build());
        ActiveModule offByDefault = module("seccomp", 500, false, Set.of("security-opt=seccomp"),
                r -> Contribution.none("off"));
        ActiveModule refusing = module("picky", 300, true, Set.of("picky"), r -> null);
        ActiveModule notJson = module("garbled", 300, true, Set.of(),
                r -> Contribution.builder().set("/process/x", "{not json", "oops").build());
        return Stream.of(
                Arguments.of("ConflictingModulesNamedBoth", List.of(memory, otherMemory), Map.of(), ErrorKind.CONFLICT,
                        "isolation modules cgroups and rival conflict: cgroups sets /linux/resources/memory"),
                Arguments.of("OverlappingPointersConflict", List.of(memory, wholeResources), Map.of(),
                        ErrorKind.CONFLICT, "isolation modules cgroups and greedy conflict"),
                Arguments.of("ModuleOverlappingItself", List.of(selfOverlap), Map.of(), ErrorKind.CONFLICT,
                        "isolation module sloppy sets /linux and /linux/namespaces, which overlap"),
                Arguments.of("OptionNoModuleReads", List.of(memory), Map.of("cap-add", List.of("NET_ADMIN")),
                        ErrorKind.INVALID, "--cap-add: no installed isolation module reads it"),
                Arguments.of("OptionOfAModuleTurnedOff", List.of(memory), Map.of("memory", List.of("1"),
                        RunOptions.MODULE_OFF, List.of("cgroups")), ErrorKind.INVALID,
                        "--memory: only the cgroups isolation module reads it, and it is off for this container"),
                Arguments.of("UnknownSecurityOption", List.of(memory), Map.of("security-opt", List.of("apparmor=x")),
                        ErrorKind.INVALID, "--security-opt apparmor=x: unknown security option"),
                Arguments.of("SecurityOptionOfADefaultOffModule", List.of(offByDefault),
                        Map.of("security-opt", List.of("seccomp=unconfined")), ErrorKind.INVALID,
                        "only the seccomp isolation module reads it, and it is off"),
                Arguments.of("UnknownModuleAskedFor", List.of(memory), Map.of(RunOptions.MODULE_ON, List.of("nope")),
                        ErrorKind.INVALID, "--isolation-module nope: no such isolation module (installed: cgroups)"),
                Arguments.of("UnknownModuleTurnedOff", List.of(memory), Map.of(RunOptions.MODULE_OFF, List.of("nope")),
                        ErrorKind.INVALID, "--no-isolation-module nope: no such isolation module"),
                Arguments.of("ModuleBothOnAndOff", List.of(memory), Map.of(RunOptions.MODULE_ON, List.of("cgroups"),
                        RunOptions.MODULE_OFF, List.of("cgroups")), ErrorKind.INVALID,
                        "isolation module cgroups is both asked for"),
                Arguments.of("ModuleRefusesItsOption", List.of(refusing), Map.of("picky", List.of("x")),
                        ErrorKind.INVALID, "--picky refused"),
                Arguments.of("FieldThatIsNotJson", List.of(notJson), Map.of(), ErrorKind.INTERNAL,
                        "isolation module garbled set /process/x to text that is not JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void badCombinationsAreRefusedNamingWhatAndWho(String name, List<ActiveModule> modules,
            Map<String, List<String>> isolation, ErrorKind kind, String message) throws Exception {
        ObjectNode spec = base();
        String before = spec.toString();
        BerthException e = assertThrows(BerthException.class, () -> new IsolationChain(modules, Set.of(), Set.of())
                .apply("c1", "n1", options(isolation), Map.of(), spec));
        assertEquals(kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertEquals(before, spec.toString(), "a refused chain leaves the spec as it was");
    }

    @Test
    void checkRefusesOptionErrorsAndAsksEachModuleWithoutContributing() throws Exception {
        java.util.List<String> checked = new java.util.concurrent.CopyOnWriteArrayList<>();
        TestModules.Scripted caps = new TestModules.Scripted(Set.of("cap-add"), r -> Contribution.none("x")) {
            @Override
            public void check(dev.berth.api.isolation.IsolationRequest request) throws BerthException {
                checked.add(request.containerId() + " " + request.options() + " " + request.spec());
                if (request.values("cap-add").contains("NOPE")) {
                    throw new BerthException(ErrorKind.INVALID, "unknown capability \"NOPE\" in --cap-add");
                }
            }
        };
        IsolationChain chain = new IsolationChain(List.of(new ActiveModule("capabilities", "1", 300, true, caps)),
                Set.of(), Set.of());

        chain.check("c1", "n1", options(Map.of("cap-add", List.of("NET_ADMIN"))), Map.of());
        assertEquals(List.of("c1 {cap-add=[NET_ADMIN]} {}"), checked);
        BerthException bad = assertThrows(BerthException.class,
                () -> chain.check("c2", "n2", options(Map.of("cap-add", List.of("NOPE"))), Map.of()));
        assertEquals("unknown capability \"NOPE\" in --cap-add", bad.getMessage());
        BerthException unread = assertThrows(BerthException.class,
                () -> chain.check("c3", "n3", options(Map.of("memory", List.of("64m"))), Map.of()));
        assertEquals("--memory: no installed isolation module reads it", unread.getMessage());
        BerthException unknown = assertThrows(BerthException.class, () -> chain.check("c4", "n4",
                options(Map.of(RunOptions.MODULE_ON, List.of("seccomp"))), Map.of()));
        assertTrue(unknown.getMessage().startsWith("--isolation-module seccomp: no such isolation module"));
        assertEquals(List.of(), caps.asked, "check never asks for a contribution");
    }

    @Test
    void eachModuleSeesTheSpecAsBuiltByTheModulesBeforeIt() throws Exception {
        ActiveModule caps = module("capabilities", 300, true, Set.of(), r -> Contribution.builder()
                .set("/process/capabilities", "{\"bounding\":[\"CAP_SYS_ADMIN\"]}", "asked").build());
        ActiveModule filter = module("seccomp", 500, true, Set.of(), r -> r.spec().contains("CAP_SYS_ADMIN")
                ? Contribution.builder().set("/linux/seccomp", "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", "saw it").build()
                : Contribution.none("did not see the capabilities"));
        ObjectNode spec = base();
        IsolationChain.Outcome outcome = new IsolationChain(List.of(filter, caps), Set.of(), Set.of())
                .apply("c1", "n1", options(Map.of()), Map.of(), spec);
        assertEquals("SCMP_ACT_ALLOW", spec.path("linux").path("seccomp").path("defaultAction").asText(),
                outcome.records().toString());
    }

    @Test
    void aRequiredModuleThatIsNotInstalledRefusesTheContainerUnlessItTurnsItOff() throws Exception {
        ActiveModule caps = module("capabilities", 300, true, Set.of(), r -> Contribution.none("caps"));
        IsolationChain chain = new IsolationChain(List.of(caps), Set.of(), Set.of(), Set.of("namespaces", "capabilities"));
        BerthException e = assertThrows(BerthException.class,
                () -> chain.apply("c1", "n1", options(Map.of()), Map.of(), base()));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("isolation module namespaces is configured for every container but not "
                + "installed or not active (installed: capabilities)"), e.getMessage());
        assertThrows(BerthException.class, () -> chain.check("c1", "n1", options(Map.of()), Map.of()));
        assertEquals(List.of("capabilities"), ran(chain, Map.of(RunOptions.MODULE_OFF, List.of("namespaces"))));
    }

    @Test
    void agreeingModulesAreNoConflict() throws Exception {
        ActiveModule a = module("a", 1, true, Set.of(), r -> Contribution.builder()
                .set("/process/noNewPrivileges", "true", "a").build());
        ActiveModule b = module("b", 2, true, Set.of(), r -> Contribution.builder()
                .set("/process/noNewPrivileges", "true", "b").build());
        ObjectNode spec = base();
        new IsolationChain(List.of(a, b), Set.of(), Set.of()).apply("c1", "n1", options(Map.of()), Map.of(), spec);
        assertTrue(spec.path("process").path("noNewPrivileges").asBoolean());
    }

    @Test
    void aFailureReleasesWhatEarlierModulesAllocated() {
        TestModules.Scripted allocating = new TestModules.Scripted(Set.of(),
                r -> Contribution.builder().fact("level", "s0:c1,c2").build());
        ActiveModule failing = module("failing", 2, true, Set.of("boom"), r -> null);
        assertThrows(BerthException.class, () -> new IsolationChain(List.of(
                new ActiveModule("labels", "1", 1, true, allocating), failing), Set.of(), Set.of())
                .apply("c9", "n9", options(Map.of("boom", List.of("1"))), Map.of(), base()));
        assertEquals(List.of("c9"), allocating.released);
    }

    @Test
    void defaultsComeFromTheModulesOrTheConfigurationAndFlagsOverrideThem() throws Exception {
        ActiveModule on = module("on", 1, true, Set.of(), r -> Contribution.none("on"));
        ActiveModule off = module("off", 2, false, Set.of(), r -> Contribution.none("off"));
        List<ActiveModule> both = List.of(on, off);
        assertEquals(List.of("on"), ran(new IsolationChain(both, Set.of(), Set.of()), Map.of()));
        assertEquals(List.of("on", "off"), ran(new IsolationChain(both, Set.of(), Set.of()),
                Map.of(RunOptions.MODULE_ON, List.of("off"))));
        assertEquals(List.of(), ran(new IsolationChain(both, Set.of(), Set.of()),
                Map.of(RunOptions.MODULE_OFF, List.of("on"))));
        assertEquals(List.of("off"), ran(new IsolationChain(both, Set.of("off"), Set.of()), Map.of()));
        assertEquals(List.of(), ran(new IsolationChain(both, Set.of(), Set.of("on")), Map.of()));
        assertEquals(List.of("on", "off"), ran(new IsolationChain(both, Set.of(), Set.of("on")),
                Map.of(RunOptions.MODULE_ON, List.of("on,off"))));
    }

    private static List<String> ran(IsolationChain chain, Map<String, List<String>> isolation) throws Exception {
        return chain.apply("c", "n", options(isolation), Map.of(), base()).records().stream()
                .map(ModuleRecord::id).toList();
    }
}
