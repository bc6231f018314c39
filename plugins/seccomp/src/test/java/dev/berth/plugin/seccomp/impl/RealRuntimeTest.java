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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs busybox under the real runc and crun (root only) with what the module contributes: {@code unshare -U}
 * (a user namespace needs no capability) works without a filter and fails with EPERM under the default
 * profile, while ordinary commands, pipes and subshells still work. The container has Docker's 14
 * capabilities and no new privileges, as under the default capabilities module. A runtime that cannot run a
 * trivial container on this host is skipped with the reason printed.
 */
class RealRuntimeTest {
    private static final RuntimeSpecSchemas SCHEMAS = new RuntimeSpecSchemas();
    private static final List<String> DOCKER_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
            "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
    private static final Contribution WITHOUT_THE_MODULE = Contribution.none("the module is not installed");

    @TempDir
    Path dir;

    /** A busybox bundle {@code runtime} can run here; the test is skipped, with the reason printed, if none. */
    private BusyboxBundle bundle(String runtime) throws Exception {
        BusyboxBundle bundle = BusyboxBundle.forRuntime(runtime, dir, "sh", "unshare", "true", "echo", "ls", "cat",
                "mkdir");
        Run probe = bundle.run(runtime, bundle.baseConfig("true"));
        BusyboxBundle.skipUnless(probe.exitCode() == 0, runtime + " cannot run a trivial container here (exit "
                + probe.exitCode() + "): " + probe.output().strip());
        return bundle;
    }

    /** What the module contributes for {@code options}. */
    private static Contribution seccomp(Map<String, List<String>> options) throws Exception {
        return SeccompPolicy.forHost(true).contribute(new IsolationRequest("c1", "c1", options,
                IsolationModuleContract.BASE_SPEC, Map.of()));
    }

    /** Runs {@code args} in a fresh bundle under {@code runtime} with what {@code seccomp} sets applied. */
    private Run run(String runtime, Contribution seccomp, String... args) throws Exception {
        BusyboxBundle bundle = bundle(runtime);
        ObjectNode config = bundle.baseConfig(args);
        ObjectNode caps = config.withObjectProperty("process").withObjectProperty("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            ArrayNode names = caps.putArray(set);
            DOCKER_CAPS.forEach(names::add);
        }
        config.withObjectProperty("process").put("noNewPrivileges", true);
        bundle.write(BusyboxBundle.applying(config, seccomp));
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
        Contribution profile = seccomp(options("security-opt", "seccomp=unconfined"));
        assertTrue(profile.fields().stream().noneMatch(f -> f.pointer().equals(SeccompPolicy.POINTER)),
                profile.toString());
        Run r = run(runtime, profile, "unshare", "-U", "true");
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
