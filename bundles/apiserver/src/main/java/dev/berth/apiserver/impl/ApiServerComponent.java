package dev.berth.apiserver.impl;

import dev.berth.api.event.EventLog;
import dev.berth.api.plugin.PluginProperties;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Starts the {@link ApiServer} on {@code <run>/berth.sock} (and TCP with TLS when {@code berth.api.tcp} and
 * the {@code berth.api.tls.*} files are set)
 * and announces readiness with the {@link PluginProperties#API_READY} marker the launcher waits for; a
 * listen failure is announced with {@link PluginProperties#FATAL}. Activated by SCR only.
 */
@Component(service = {}, immediate = true)
public final class ApiServerComponent {
    private final ApiServer server;
    private final ServiceRegistration<?> marker;

    @Activate
    public ApiServerComponent(BundleContext context, @Reference Vertx vertx, @Reference EventLog log) {
        String run = property(context, PluginProperties.RUN_PROPERTY, "/run/berth");
        server = new ApiServer(vertx, log, property(context, PluginProperties.VERSION_PROPERTY, "unknown"));
        Dictionary<String, Object> properties = new Hashtable<>();
        try {
            List<String> endpoints = server.start(Path.of(run, "berth.sock"),
                    context.getProperty(PluginProperties.TCP_PROPERTY), tls(context));
            properties.put(PluginProperties.API_READY, String.join(", ", endpoints));
        } catch (IOException e) {
            server.stop();
            properties.put(PluginProperties.FATAL, "API server: " + e.getMessage());
        }
        marker = context.registerService(Object.class, new Object(), properties);
    }

    /** The TLS files the framework properties name, or null unless all three are set. */
    private static ApiServer.Tls tls(BundleContext context) {
        String cert = context.getProperty(PluginProperties.TLS_CERT_PROPERTY);
        String key = context.getProperty(PluginProperties.TLS_KEY_PROPERTY);
        String ca = context.getProperty(PluginProperties.TLS_CA_PROPERTY);
        if (cert == null || key == null || ca == null) {
            return null;
        }
        return new ApiServer.Tls(Path.of(cert), Path.of(key), Path.of(ca));
    }

    private static String property(BundleContext context, String name, String fallback) {
        String value = context.getProperty(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    @Deactivate
    void deactivate() {
        marker.unregister();
        server.stop();
    }
}
