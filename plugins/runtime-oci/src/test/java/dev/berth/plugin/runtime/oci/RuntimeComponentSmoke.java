package dev.berth.plugin.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.bus.BusAddresses;
import dev.berth.api.container.CreateRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke test of one runtime component as built (runc or crun bundle): the real runtime, the embedded
 * berth-shim, a real Vert.x bus. Each bundle's test names its component and runtime.
 */
public abstract class RuntimeComponentSmoke {
    @TempDir
    Path root;

    private Vertx vertx;
    private OciRuntime runtime;
    private final BlockingQueue<JsonObject> exits = new LinkedBlockingQueue<>();

    /** The runtime's name, as its component registers it. */
    protected abstract String runtimeName();

    /** The component under test, made as its bundle makes it, with {@code binary} ("" to search). */
    protected abstract OciRuntime component(Path stateRoot, Vertx vertx, String binary) throws Exception;

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        vertx.eventBus().<String>consumer(BusAddresses.RUNTIME_EXITED, m -> exits.add(new JsonObject(m.body())))
                .completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        runtime = component(root.resolve("state"), vertx, "");
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            runtime.delete("smoke", true);
        } catch (BerthException e) {
            // nothing was created
        }
        runtime.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void infoSaysWhetherItCanRun() {
        assertEquals(runtimeName(), runtime.name());
        assertNotNull(runtime.shimBinary(), "the berth-shim resource travels with the component");
        if (!runtime.info().usable()) {
            System.out.println(runtimeName() + " is not usable here: " + runtime.info().reason());
            assertFalse(runtime.info().reason().isBlank());
        }
    }

    @Test
    void exitCodeReachesTheBus() throws Exception {
        assumeTrue(runtime.info().usable(), () -> runtimeName() + " cannot run containers here: " + runtime.info().reason());
        assumeTrue(Files.isExecutable(TestBundle.BUSYBOX), "needs busybox-static");
        runtime.create(request());
        runtime.start("smoke");
        JsonObject exit = exits.poll(15, TimeUnit.SECONDS);
        assertNotNull(exit, "no exit message");
        assertEquals(runtimeName(), exit.getString("runtime"));
        assertEquals(3, exit.getInteger("exitCode"));
        assertEquals(3, runtime.exitStatus("smoke").exitCode());
    }

    /** Refusal, made deterministic: a binary that is not there makes the runtime unusable on any host. */
    @Test
    void createOnAnUnusableHostSaysWhy() throws Exception {
        OciRuntime missing = component(root.resolve("state-missing"), vertx, "/nonexistent/" + runtimeName());
        try {
            assertFalse(missing.info().usable());
            String reason = missing.info().reason();
            assertTrue(reason.contains("/nonexistent/" + runtimeName()), reason);
            BerthException e = assertThrows(BerthException.class, () -> missing.create(request()));
            assertEquals(ErrorKind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains(reason), e.getMessage());
            assertTrue(missing.list().isEmpty());
        } finally {
            missing.close();
        }
    }

    private CreateRequest request() throws Exception {
        Path bundle = TestBundle.create(root.resolve("bundle"), "smoke", List.of("sh", "-c", "exit 3"), false);
        Path state = root.resolve("containers/smoke");
        return new CreateRequest("smoke", bundle.toString(), state.toString(), state.resolve("ctr.log").toString(),
                false, false);
    }
}
