package dev.berth.plugin.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.CreateRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a runtime says about itself when its binary is missing or the host's cgroups rule it out. */
class RuntimeProbeTest {
    @TempDir
    Path root;

    @Test
    void missingBinaryIsUnusableWithAReason() throws Exception {
        RuntimeSettings settings = new RuntimeSettings("runc", root.resolve("no-such-runc"), root.resolve("state"),
                false);
        try (OciRuntime runtime = new OciRuntime(settings, json -> { })) {
            assertFalse(runtime.info().usable());
            assertNull(runtime.info().path());
            assertTrue(runtime.info().reason().contains("no-such-runc"), runtime.info().reason());
            CreateRequest request = new CreateRequest("x", root.toString(), root.resolve("s").toString(),
                    root.resolve("log").toString(), false, false);
            BerthException e = assertThrows(BerthException.class, () -> runtime.create(request));
            assertEquals(ErrorKind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().endsWith(runtime.info().reason()), e.getMessage());
        }
    }

    @Test
    void createRechecksTheCgroupLayout() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/crun")), "needs crun");
        Path cgroups = Files.createDirectories(root.resolve("cgroup/unified"));
        Files.writeString(cgroups.resolve("cgroup.controllers"), "hugetlb\n");
        try (OciRuntime runtime = new OciRuntime(RuntimeSettings.crun(root.resolve("state")), json -> { },
                new CgroupHost(root.resolve("cgroup")))) {
            assertFalse(runtime.info().usable());
            assertTrue(runtime.info().reason().contains("still holds controllers (hugetlb)"), runtime.info().reason());
            // The admin moves hugetlb to v1: the next create sees it without a restart.
            Files.writeString(cgroups.resolve("cgroup.controllers"), "");
            Path bundle = TestBundle.create(root.resolve("bundle"), "y", List.of("true"), false);
            CreateRequest request = new CreateRequest("y", bundle.toString(), root.resolve("s").toString(),
                    root.resolve("s/log").toString(), false, false);
            try {
                runtime.create(request);
                runtime.delete("y", true); // this host really was fixed
            } catch (BerthException e) {
                // On this hybrid host crun itself now refuses; its own message comes back through the shim.
                assertEquals(ErrorKind.UNAVAILABLE, e.kind());
                assertTrue(e.getMessage().startsWith("create container y with crun: /usr/bin/crun create exited 1: "),
                        e.getMessage());
            }
            assertTrue(runtime.info().usable());
        }
    }
}
