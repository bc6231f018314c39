package dev.berth.plugin.capabilities.impl;

import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.isolation.IsolationModuleContract;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SPI's contract suite run against the capabilities module, on an engine that lacks CAP_SYS_RESOURCE.
 * PER_CLASS because the suite's argument sources ({@code valid()}, {@code invalid()}) are instance methods,
 * which JUnit accepts only with that lifecycle; the suite itself does not declare it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CapabilityIsolationContractTest extends IsolationModuleContract {
    @TempDir
    static Path dir;
    static Path status;

    @BeforeAll
    static void fakeEngine() {
        status = FakeStatus.write(dir, "status", FakeStatus.THIS_HOST);
    }

    @Override
    protected IsolationModule module() {
        return new CapabilityIsolation(status);
    }

    @Override
    protected Map<String, Map<String, List<String>>> validOptions() {
        Map<String, Map<String, List<String>>> sets = new LinkedHashMap<>();
        sets.put("none", Map.of());
        sets.put("AddNetAdmin", Map.of("cap-add", List.of("NET_ADMIN")));
        sets.put("DropAll", Map.of("cap-drop", List.of("ALL")));
        sets.put("DropAllAddChown", Map.of("cap-drop", List.of("ALL"), "cap-add", List.of("CHOWN")));
        sets.put("Privileged", Map.of("privileged", List.of("true")));
        sets.put("NoNewPrivilegesFalse", Map.of("security-opt", List.of("no-new-privileges=false")));
        sets.put("DockerColonForm", Map.of("security-opt", List.of("no-new-privileges:true")));
        sets.put("AddAllDropNetRaw", Map.of("cap-add", List.of("all"), "cap-drop", List.of("cap_net_raw")));
        return sets;
    }

    @Override
    protected Map<String, Refusal> invalidOptions() {
        Map<String, Refusal> refusals = new LinkedHashMap<>();
        refusals.put("UnknownCapability", new Refusal(Map.of("cap-add", List.of("FOO")), "\"FOO\" in --cap-add"));
        refusals.put("UnknownCapabilityInDrop", new Refusal(Map.of("cap-drop", List.of("CAP_NOPE")), "--cap-drop"));
        refusals.put("EmptyName", new Refusal(Map.of("cap-add", List.of("")), "--cap-add"));
        refusals.put("EmptyNameInList", new Refusal(Map.of("cap-drop", List.of("CHOWN,")), "--cap-drop"));
        refusals.put("CapabilityTheEngineLacks", new Refusal(Map.of("cap-add", List.of("sys_resource")),
                "--cap-add sys_resource: the engine does not hold CAP_SYS_RESOURCE"));
        refusals.put("EngineLacksItEvenUnderPrivileged", new Refusal(Map.of("privileged", List.of("true"),
                "cap-add", List.of("SYS_RESOURCE")), "CAP_SYS_RESOURCE"));
        refusals.put("BadNoNewPrivilegesValue", new Refusal(Map.of("security-opt", List.of("no-new-privileges=maybe")),
                "no-new-privileges=maybe"));
        refusals.put("BadNoNewPrivilegesColonValue", new Refusal(Map.of("security-opt",
                List.of("no-new-privileges:1")), "no-new-privileges:1"));
        refusals.put("BadPrivilegedValue", new Refusal(Map.of("privileged", List.of("yes")), "--privileged=yes"));
        return refusals;
    }
}
