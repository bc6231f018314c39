package dev.berth.dockerapi.impl;

import dev.berth.api.event.EventLog;
import dev.berth.apiserver.access.MalformedRequest;
import dev.berth.apiserver.access.SocketAccess;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Docker Engine API endpoint: HTTP/1.1 served by Vert.x on a Unix socket of its own (mode 0660), every
 * request handed to a {@link DockerRouter} over the route groups of {@link #routes}. Talks to the engine
 * only over the bus and reads events from the {@link EventLog}. Thread-safe: start and stop from one
 * thread; handlers run on Vert.x event loops.
 */
final class DockerServer {
    private final Vertx vertx;
    private final DockerRouter router;
    private HttpServer server;

    /**
     * @param scratch a folder on the daemon's host for archives passing through ({@code save}, {@code load},
     *        {@code export}, {@code import})
     */
    DockerServer(Vertx vertx, EventLog log, String berthVersion, Path scratch) {
        this.vertx = vertx;
        this.router = new DockerRouter(routes(new EngineBus(vertx), log, berthVersion, scratch), berthVersion);
    }

    /**
     * The route groups, in the order the router asks them: {@link ImportApi} before {@link ImageApi}, as both
     * answer {@code POST /images/create} (an import when it has {@code fromSrc} and no {@code fromImage}).
     */
    static List<DockerRoutes> routes(EngineBus engine, EventLog log, String berthVersion, Path scratch) {
        ScratchFiles files = new ScratchFiles(engine.vertx(), scratch);
        return List.of(
                new SystemApi(engine, berthVersion),
                new ImportApi(engine, files),
                new ImageApi(engine, files),
                new PushApi(engine),
                new EventsApi(engine, log),
                new ContainerAnatomyApi(engine, files),
                new ContainerApi(engine)
        );
    }

    DockerRouter router() {
        return router;
    }

    /** Listens on {@code socket}, replacing a stale socket file, and makes it 0660. */
    void start(Path socket) throws IOException {
        Files.createDirectories(socket.getParent());
        Files.deleteIfExists(socket);
        HttpServer http = vertx.createHttpServer(new HttpServerOptions().setMaxInitialLineLength(65536)
                .setMaxHeaderSize(65536));
        http.requestHandler(router::handle);
        http.invalidRequestHandler(request -> {
            MalformedRequest malformed = MalformedRequest.of(request);
            DockerReply.error(request.response().putHeader("Connection", "close"), malformed.status(),
                    malformed.reason());
        });
        try {
            server = http.listen(SocketAddress.domainSocketAddress(socket.toString())).toCompletionStage()
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IOException("listen on unix://" + socket + ": " + cause.getMessage(), cause);
        }
        SocketAccess.restrict(socket);
    }

    /** Stops listening; requests under way are cut off. */
    void stop() {
        if (server != null) {
            try {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // stopping anyway: nothing to keep
            }
            server = null;
        }
    }
}
