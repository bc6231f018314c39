package dev.berth.plugin.runtime.oci;

import dev.berth.api.bus.BusAddresses;
import dev.berth.api.container.CreateRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One test's runtime: a real Vert.x instance whose bus receives the exits, an {@link OciRuntime} on a
 * fresh state root, and clean-up of every container the test made (forced delete through the runtime
 * binary as well, in case the runtime instance was dropped).
 */
final class RuntimeFixture {
    final Vertx vertx = Vertx.vertx();
    final BlockingQueue<JsonObject> exits = new LinkedBlockingQueue<>();
    final Path root;
    final RuntimeSettings settings;
    OciRuntime runtime;
    private final List<String> ids = new ArrayList<>();

    RuntimeFixture(Path root, RuntimeSettings settings) throws Exception {
        this.root = root;
        this.settings = settings;
        vertx.eventBus().<String>consumer(BusAddresses.RUNTIME_EXITED, m -> exits.add(new JsonObject(m.body())))
                .completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        runtime = open();
    }

    OciRuntime open() throws IOException {
        Consumer<String> sink = json -> vertx.eventBus().publish(BusAddresses.RUNTIME_EXITED, json);
        return new OciRuntime(settings, sink);
    }

    /** A create request for {@code id} with its bundle, state dir and log under the root. */
    CreateRequest request(String id, List<String> args, boolean tty, boolean stdin) throws IOException {
        return request(id, TestBundle.config(id, args, tty), tty, stdin);
    }

    CreateRequest request(String id, JsonObject config, boolean tty, boolean stdin) throws IOException {
        ids.add(id);
        Path bundle = TestBundle.write(root.resolve("bundles").resolve(id), config);
        Path state = root.resolve("containers").resolve(id);
        return new CreateRequest(id, bundle.toString(), state.toString(), state.resolve("ctr.log").toString(), tty,
                stdin);
    }

    Path stateDir(String id) {
        return root.resolve("containers").resolve(id);
    }

    /** The next exit message for {@code id} (and {@code execId}, null for the container). */
    JsonObject awaitExit(String id, String execId, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            JsonObject m = exits.poll(50, TimeUnit.MILLISECONDS);
            if (m != null && id.equals(m.getString("id")) && java.util.Objects.equals(execId, m.getString("execId"))) {
                return m;
            }
        }
        throw new AssertionError("no exit message for " + id + "/" + execId + " within " + limit);
    }

    static void await(Duration limit, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + limit);
            }
            Thread.sleep(20);
        }
    }

    /** Deletes every container the test made, waits for their monitors to end, stops the runtime and Vert.x. */
    void close() throws Exception {
        for (String id : ids) {
            try {
                runtime.delete(id, true);
            } catch (Exception e) {
                // fall through to the binary below
            }
            String binary = runtime.info().path();
            if (binary != null) {
                Commands.run(List.of(binary, "--root", settings.runtimeRoot().toString(), "delete", "--force", id),
                        Duration.ofSeconds(10));
            }
            for (Path state : List.of(stateDir(id))) {
                await(Duration.ofSeconds(5), () -> !Shims.alive(state));
            }
        }
        runtime.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static String read(Path file) throws IOException {
        return Files.readString(file);
    }
}
