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
        sets.put("none", options());
        sets.put("AddNetAdmin", options("cap-add", "NET_ADMIN"));
        sets.put("DropAll", options("cap-drop", "ALL"));
        sets.put("DropAllAddChown", options("cap-drop", "ALL", "cap-add", "CHOWN"));
        sets.put("Privileged", options("privileged", "true"));
        sets.put("NoNewPrivilegesFalse", options("security-opt", "no-new-privileges=false"));
        sets.put("DockerColonForm", options("security-opt", "no-new-privileges:true"));
        sets.put("AddAllDropNetRaw", options("cap-add", "all", "cap-drop", "cap_net_raw"));
        return sets;
    }

    @Override
    protected Map<String, Refusal> invalidOptions() {
        Map<String, Refusal> refusals = new LinkedHashMap<>();
        refusals.put("UnknownCapability", refusal("\"FOO\" in --cap-add", "cap-add", "FOO"));
        refusals.put("UnknownCapabilityInDrop", refusal("--cap-drop", "cap-drop", "CAP_NOPE"));
        refusals.put("EmptyName", refusal("--cap-add", "cap-add", ""));
        refusals.put("EmptyNameInList", refusal("--cap-drop", "cap-drop", "CHOWN,"));
        refusals.put("CapabilityTheEngineLacks", refusal(
                "--cap-add sys_resource: the engine does not hold CAP_SYS_RESOURCE", "cap-add", "sys_resource"));
        refusals.put("EngineLacksItEvenUnderPrivileged", refusal("CAP_SYS_RESOURCE",
                "privileged", "true", "cap-add", "SYS_RESOURCE"));
        refusals.put("BadNoNewPrivilegesValue", refusal("no-new-privileges=maybe",
                "security-opt", "no-new-privileges=maybe"));
        refusals.put("BadNoNewPrivilegesColonValue", refusal("no-new-privileges:1",
                "security-opt", "no-new-privileges:1"));
        refusals.put("BadPrivilegedValue", refusal("--privileged=yes", "privileged", "yes"));
        return refusals;
    }
}
