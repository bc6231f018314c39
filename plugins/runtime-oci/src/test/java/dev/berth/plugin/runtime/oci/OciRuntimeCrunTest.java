package dev.berth.plugin.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.AttachFrames;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OciRuntime} with the host's crun: runs containers where crun can, and on a hybrid cgroup host
 * (this machine kind) refuses with the reason instead of failing deep inside crun.
 */
class OciRuntimeCrunTest {
    @TempDir
    Path root;

    private RuntimeFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new RuntimeFixture(root, RuntimeSettings.crun(root.resolve("state")));
        assumeTrue(f.runtime.info().path() != null, () -> "crun not installed: " + f.runtime.info().reason());
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    /**
     * The hybrid-cgroup refusal on a cgroup tree made for the test (cgroup2 at unified/ still holding
     * hugetlb), so it runs whether or not this host has been fixed for crun.
     */
    @Test
    void unusableCrunRefusesCreateWithTheReason() throws Exception {
        Path cgroups = root.resolve("fake-cgroup");
        Files.createDirectories(cgroups.resolve("unified"));
        Files.createDirectories(cgroups.resolve("memory"));
        Files.writeString(cgroups.resolve("unified/cgroup.controllers"), "hugetlb\n");
        OciRuntime hybrid = new OciRuntime(RuntimeSettings.crun(root.resolve("state-hybrid")), json -> { },
                new CgroupHost(cgroups));
        try {
            String reason = hybrid.info().reason();
            assertFalse(hybrid.info().usable());
            System.out.println("crun on a hybrid tree: " + reason);
            assertTrue(reason.startsWith("crun " + hybrid.info().version() + " cannot run containers on this hybrid"),
                    reason);
            assertTrue(reason.contains("hugetlb"), reason);
            BerthException e = assertThrows(BerthException.class,
                    () -> hybrid.create(f.request("c1", List.of("true"), false, false)));
            assertEquals(ErrorKind.UNAVAILABLE, e.kind());
            assertEquals("create container c1 with crun: " + reason, e.getMessage());
            assertTrue(hybrid.list().isEmpty());
        } finally {
            hybrid.close();
        }
    }

    @Test
    void runsContainersWhereCrunCan() throws Exception {
        assumeTrue(f.runtime.info().usable(), () -> "crun cannot run here: " + f.runtime.info().reason());
        f.runtime.create(f.request("c2", List.of("sh", "-c", "echo hi; exit 3"), false, false));
        try (AttachClient client = new AttachClient(Path.of(f.runtime.attachSocket("c2")))) {
            f.runtime.start("c2");
            assertEquals(3, new JsonObject(client.readUntilExit()).getInteger("exitCode"));
            assertEquals("hi\n", client.stdout.toString(StandardCharsets.UTF_8));
        }
        assertEquals(3, f.awaitExit("c2", null, Duration.ofSeconds(15)).getInteger("exitCode"));
    }

    @Test
    void ttyWhereCrunCan() throws Exception {
        assumeTrue(f.runtime.info().usable(), () -> "crun cannot run here: " + f.runtime.info().reason());
        f.runtime.create(f.request("c3", List.of("sh", "-c", "tty"), true, false));
        f.runtime.start("c3");
        f.awaitExit("c3", null, Duration.ofSeconds(15));
        assertTrue(Files.readString(f.stateDir("c3").resolve("ctr.log")).contains("/dev/pts/0"));
        assertEquals(AttachFrames.EXIT, 5);
    }
}
