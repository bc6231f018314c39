package dev.berth.plugin.seccomp.impl;

import static dev.berth.api.isolation.IsolationModuleContract.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.isolation.BusyboxBundle;
import dev.berth.api.isolation.BusyboxBundle.Run;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationModuleContract;
import dev.berth.api.isolation.IsolationRequest;
import dev.berth.schemas.RuntimeSpecSchemas;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs busybox under the real runc and crun (root only) with what the module contributes for the very
 * config.json that is run (so the module reads the container's capabilities from it): {@code unshare -U}
 * (a user namespace needs no capability) works without a filter and fails with EPERM under the default
 * profile, unless the container holds CAP_SYS_ADMIN, which unlocks unshare and mount; ordinary commands,
 * pipes and subshells still work. The container has Docker's 14 capabilities (plus any a test adds) and no
 * new privileges, as under the default capabilities module. A runtime that cannot run a trivial container on
 * this host is skipped with the reason printed.
 */
class RealRuntimeTest {
    private static final RuntimeSpecSchemas SCHEMAS = new RuntimeSpecSchemas();
    private static final List<String> DOCKER_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
            "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
    private static final Module WITHOUT_THE_MODULE = spec -> Contribution.none("the module is not installed");

    /** What a module contributes for a container whose config.json, so far, is {@code spec}. */
    @FunctionalInterface
    private interface Module {
        Contribution contribute(String spec) throws Exception;
    }

    @TempDir
    Path dir;

    /** A busybox bundle {@code runtime} can run here; the test is skipped, with the reason printed, if none. */
    private BusyboxBundle bundle(String runtime) throws Exception {
        BusyboxBundle bundle = BusyboxBundle.forRuntime(runtime, dir, "sh", "unshare", "true", "echo", "ls", "cat",
                "mkdir", "mount", "grep");
        Run probe = bundle.run(runtime, bundle.baseConfig("true"));
        BusyboxBundle.skipUnless(probe.exitCode() == 0, runtime + " cannot run a trivial container here (exit "
                + probe.exitCode() + "): " + probe.output().strip());
        return bundle;
    }

    /** The seccomp module with {@code options}, seeing the spec it is given. */
    private static Module seccomp(Map<String, List<String>> options) {
        return spec -> new SeccompPolicy(true).contribute(new IsolationRequest("c1", "c1", options, spec, Map.of()));
    }

    /** Runs {@code args} with Docker's 14 capabilities; see {@link #run(String, List, Module, String...)}. */
    private Run run(String runtime, Module seccomp, String... args) throws Exception {
        return run(runtime, DOCKER_CAPS, seccomp, args);
    }

    /**
     * Runs {@code args} in a fresh bundle under {@code runtime}, the container holding {@code capabilities}
     * (bounding, effective, permitted), with what {@code seccomp} contributes for that config applied.
     */
    private Run run(String runtime, List<String> capabilities, Module seccomp, String... args) throws Exception {
        BusyboxBundle bundle = bundle(runtime);
        ObjectNode config = bundle.baseConfig(args);
        ObjectNode caps = config.withObjectProperty("process").withObjectProperty("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            ArrayNode names = caps.putArray(set);
            capabilities.forEach(names::add);
        }
        config.withObjectProperty("process").put("noNewPrivileges", true);
        bundle.write(BusyboxBundle.applying(config, seccomp.contribute(config.toString())));
        assertEquals(List.of(), SCHEMAS.validateConfig(bundle.config()), "config.json is schema-valid");
        return bundle.run(runtime);
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void userNamespaceWorksWithoutTheModule(String runtime) throws Exception {
        Run r = run(runtime, WITHOUT_THE_MODULE, "unshare", "-U", "true");
        assertEquals(0, r.exitCode(), r.output());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void unconfinedLeavesTheUserNamespaceAllowed(String runtime) throws Exception {
        Module unconfined = seccomp(options("security-opt", "seccomp=unconfined"));
        Contribution profile = unconfined.contribute(IsolationModuleContract.BASE_SPEC);
        assertTrue(profile.fields().stream().noneMatch(f -> f.pointer().equals(SeccompPolicy.POINTER)),
                profile.toString());
        Run r = run(runtime, unconfined, "unshare", "-U", "true");
        assertEquals(0, r.exitCode(), r.output());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void defaultProfileRefusesAUserNamespaceWithEperm(String runtime) throws Exception {
        Run r = run(runtime, seccomp(options()), "unshare", "-U", "true");
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("Operation not permitted"), r.output());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void defaultProfileLetsCapSysAdminUnshareAndMount(String runtime) throws Exception {
        List<String> withSysAdmin = new ArrayList<>(DOCKER_CAPS);
        withSysAdmin.add("CAP_SYS_ADMIN");
        Run r = run(runtime, withSysAdmin, seccomp(options()), "sh", "-c", "grep -q '^Seccomp:.*2' /proc/self/status"
                + " && echo filtered; unshare -U true && echo userns; unshare -m true && echo mountns;"
                + " mount -t tmpfs none /tmp && echo mounted");
        assertEquals(0, r.exitCode(), r.output());
        for (String expected : List.of("filtered", "userns", "mountns", "mounted")) {
            assertTrue(r.output().contains(expected), "expected " + expected + " in:\n" + r.output());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void defaultProfileWithoutCapSysAdminRefusesUnshareAndMount(String runtime) throws Exception {
        Run r = run(runtime, DOCKER_CAPS, seccomp(options()), "sh", "-c", "grep -q '^Seccomp:.*2' /proc/self/status"
                + " && echo filtered; unshare -U true || echo userns-refused; mount -t tmpfs none /tmp || echo mount-refused");
        assertEquals(0, r.exitCode(), r.output());
        for (String expected : List.of("filtered", "userns-refused", "mount-refused", "Operation not permitted")) {
            assertTrue(r.output().contains(expected), "expected " + expected + " in:\n" + r.output());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void defaultProfileKeepsOrdinaryCommandsWorking(String runtime) throws Exception {
        Run r = run(runtime, seccomp(options()), "sh", "-c",
                "echo ok; ls /; (echo sub) | cat; mkdir /tmp/d && echo made; echo $(echo nested)");
        assertEquals(0, r.exitCode(), r.output());
        for (String expected : List.of("ok", "bin", "proc", "sub", "made", "nested")) {
            assertTrue(r.output().contains(expected), "expected " + expected + " in:\n" + r.output());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void userProfileIsWhatTheRuntimeEnforces(String runtime) throws Exception {
        String profile = """
                {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
                  {"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13,"comment":"no new folders"}]}
                """;
        Run r = run(runtime, seccomp(options("security-opt", "seccomp=" + profile)), "sh", "-c",
                "mkdir /tmp/d || echo refused; unshare -U true && echo userns");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("Permission denied") && r.output().contains("refused"), r.output());
        assertTrue(r.output().contains("userns"), r.output());
    }
}
