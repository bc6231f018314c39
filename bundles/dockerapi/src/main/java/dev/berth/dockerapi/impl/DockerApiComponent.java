package dev.berth.dockerapi.impl;

import dev.berth.api.event.EventLog;
import dev.berth.api.plugin.PluginProperties;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Path;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Serves the Docker Engine API ({@link DockerServer}) on {@code <run>/docker.sock}, or on the path the
 * framework or system property {@value #SOCKET_PROPERTY} names; an empty value turns it off. Berth's own API
 * is not affected: a socket that cannot be opened is reported and the engine runs on without it. Activated
 * by SCR only.
 */
@Component(service = {}, immediate = true)
public final class DockerApiComponent {
    /** Framework or system property: the Docker API socket path; empty for none. */
    public static final String SOCKET_PROPERTY = "berth.docker.socket";
    private static final System.Logger LOG = System.getLogger("berth.dockerapi");

    private final DockerServer server;

    @Activate
    public DockerApiComponent(BundleContext context, @Reference Vertx vertx, @Reference EventLog log) {
        Path socket = socket(context.getProperty(SOCKET_PROPERTY), context.getProperty(PluginProperties.RUN_PROPERTY));
        if (socket == null) {
            server = null;
            LOG.log(System.Logger.Level.INFO, "Docker API: off (" + SOCKET_PROPERTY + " is empty)");
            return;
        }
        Path scratch = PluginProperties.stateRoot(context::getProperty).resolve("tmp").resolve("dockerapi");
        String version = context.getProperty(PluginProperties.VERSION_PROPERTY);
        server = new DockerServer(vertx, log, version == null || version.isBlank() ? "unknown" : version, scratch);
        try {
            server.start(socket);
        } catch (IOException e) {
            server.stop();
            System.err.println("berth daemon: Docker API not served: " + e.getMessage());
            LOG.log(System.Logger.Level.WARNING, "Docker API not served: " + e.getMessage(), e);
        }
    }

    /**
     * The socket path: {@code configured} when set (null when it is empty: off), else {@code docker.sock} in
     * the run folder ({@code /run/berth} when that is unset too).
     */
    static Path socket(String configured, String run) {
        if (configured != null) {
            return configured.isBlank() ? null : Path.of(configured.trim());
        }
        return Path.of(run == null || run.isBlank() ? "/run/berth" : run, "docker.sock");
    }

    @Deactivate
    void deactivate() {
        if (server != null) {
            server.stop();
        }
    }
}
