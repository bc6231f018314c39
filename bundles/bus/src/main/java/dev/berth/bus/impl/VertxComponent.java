package dev.berth.bus.impl;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Creates the engine's one Vert.x instance and offers it to every bundle as an OSGi service of type
 * {@link Vertx}; closes it when the bundle stops. Activation and deactivation are called by SCR only.
 */
@Component(service = {}, immediate = true)
public final class VertxComponent {
    private final Vertx vertx;
    private final ServiceRegistration<Vertx> registration;

    @Activate
    public VertxComponent(BundleContext context) {
        // Vert.x looks up its SPI implementations through the context class loader: point it at the
        // wrapper bundle that holds them.
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(Vertx.class.getClassLoader());
        try {
            vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false));
        } finally {
            thread.setContextClassLoader(previous);
        }
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("berth.bus", "local");
        registration = context.registerService(Vertx.class, vertx, properties);
    }

    @Deactivate
    void deactivate() throws Exception {
        registration.unregister();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
