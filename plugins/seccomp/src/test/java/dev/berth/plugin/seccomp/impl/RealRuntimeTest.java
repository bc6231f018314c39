package dev.berth.plugin.seccomp.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationModuleContract;
import dev.berth.api.isolation.IsolationRequest;
import dev.berth.api.isolation.SpecField;
import dev.berth.plugin.seccomp.impl.BusyboxBundle.Result;
import dev.berth.schemas.RuntimeSpecSchemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs busybox under the real runc and crun (root only) with what the module contributes: {@code unshare -U}
 * (a user namespace needs no capability) works without a filter and fails with EPERM under the default
 * profile, while ordinary commands, pipes and subshells still work. A runtime that cannot run a trivial
 * container on this host is skipped with the reason printed.
 */
class RealRuntimeTest {
    private static final RuntimeSpecSchemas SCHEMAS = new RuntimeSpecSchemas();

    @TempDir
    Path dir;

    private BusyboxBundle bundle(String runtime) throws Exception {
        String skip = !"root".equals(System.getProperty("user.name")) ? "not running as root"
                : !Files.isExecutable(Path.of("/bin/busybox")) ? "no /bin/busybox (busybox-static)" : null;
        if (skip == null) {
            skip = BusyboxBundle.unusable(runtime, dir.resolve("probe")).orElse(null);
        }
        if (skip != null) {
            System.out.println("RealRuntimeTest with " + runtime + " skipped: " + skip);
        }
        Assumptions.assumeTrue(skip == null, skip);
        return BusyboxBundle.create(dir.resolve("bundle"));
    }

    /** What the module sets at /linux/seccomp for {@code options}, if anything. */
    private static Optional<String> seccomp(Map<String, List<String>> options) throws Exception {
        Contribution c = SeccompPolicy.forHost(true).contribute(new IsolationRequest("c1", "c1", options,
                IsolationModuleContract.BASE_SPEC, Map.of()));
        return c.fields().stream().filter(f -> f.pointer().equals(SeccompPolicy.POINTER)).map(SpecField::value)
                .findFirst();
    }

    private static Result run(BusyboxBundle bundle, String runtime, Optional<String> seccomp, String... args)
            throws Exception {
        bundle.configure(seccomp, args);
        assertEquals(List.of(), SCHEMAS.validateConfig(bundle.config()), "config.json is schema-valid");
        return bundle.run(runtime);
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void userNamespaceWorksWithoutTheModule(String runtime) throws Exception {
        BusyboxBundle bundle = bundle(runtime);
        Result r = run(bundle, runtime, Optional.empty(), "unshare", "-U", "true");
        assertEquals(0, r.exitCode(), r.output());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void unconfinedLeavesTheUserNamespaceAllowed(String runtime) throws Exception {
        BusyboxBundle bundle = bundle(runtime);
        Optional<String> profile = seccomp(Map.of("security-opt", List.of("seccomp=unconfined")));
        assertTrue(profile.isEmpty());
        Result r = run(bundle, runtime, profile, "unshare", "-U", "true");
        assertEquals(0, r.exitCode(), r.output());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void defaultProfileRefusesAUserNamespaceWithEperm(String runtime) throws Exception {
        BusyboxBundle bundle = bundle(runtime);
        Result r = run(bundle, runtime, seccomp(Map.of()), "unshare", "-U", "true");
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("Operation not permitted"), r.output());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void defaultProfileKeepsOrdinaryCommandsWorking(String runtime) throws Exception {
        BusyboxBundle bundle = bundle(runtime);
        Result r = run(bundle, runtime, seccomp(Map.of()), "sh", "-c",
                "echo ok; ls /; (echo sub) | cat; mkdir /tmp/d && echo made; echo $(echo nested)");
        assertEquals(0, r.exitCode(), r.output());
        for (String expected : List.of("ok", "bin", "proc", "sub", "made", "nested")) {
            assertTrue(r.output().contains(expected), "expected " + expected + " in:\n" + r.output());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void userProfileIsWhatTheRuntimeEnforces(String runtime) throws Exception {
        BusyboxBundle bundle = bundle(runtime);
        String profile = """
                {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
                  {"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13,"comment":"no new folders"}]}
                """;
        Result r = run(bundle, runtime, seccomp(Map.of("security-opt", List.of("seccomp=" + profile))), "sh", "-c",
                "mkdir /tmp/d || echo refused; unshare -U true && echo userns");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("Permission denied") && r.output().contains("refused"), r.output());
        assertTrue(r.output().contains("userns"), r.output());
    }
}
