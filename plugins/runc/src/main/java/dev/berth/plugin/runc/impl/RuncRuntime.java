package dev.berth.plugin.runc.impl;

import dev.berth.api.bus.BusAddresses;
import dev.berth.api.container.ContainerRuntime;
import dev.berth.api.plugin.PluginProperties;
import dev.berth.plugin.runtime.oci.OciRuntime;
import dev.berth.plugin.runtime.oci.RuntimeSettings;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Path;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The run stage backed by runc: an {@link OciRuntime} with its root at
 * {@code <berth.root>/runtimes/runc}, publishing exits on the bus at {@link BusAddresses#RUNTIME_EXITED}.
 * Deactivation stops the exit poller only; containers and their monitors keep running. Thread-safe.
 */
@Component(service = ContainerRuntime.class, property = {
    PluginProperties.STAGE + "=" + ContainerRuntime.STAGE,
    ContainerRuntime.NAME_PROPERTY + "=runc",
    PluginProperties.KIND + "=runtime",
    PluginProperties.ID + "=runc"})
@Designate(ocd = RuncRuntime.Config.class)
public final class RuncRuntime extends OciRuntime {

    /** Configuration (PID {@code dev.berth.plugin.runc.impl.RuncRuntime}); optional. */
    @ObjectClassDefinition(name = "Berth runc runtime")
    public @interface Config {
        /**
         * Absolute path of the runc binary ({@code berth.runtime.binary}); empty looks in /usr/bin,
         * /usr/local/bin, then PATH.
         */
        @AttributeDefinition(required = false)
        String berth_runtime_binary() default "";
    }

    @Activate
    public RuncRuntime(BundleContext context, @Reference Vertx vertx, Config config) throws IOException {
        this(PluginProperties.stateRoot(context::getProperty), vertx, config.berth_runtime_binary());
    }

    RuncRuntime(Path stateRoot, Vertx vertx, String binary) throws IOException {
        super(RuntimeSettings.runc(stateRoot).withBinary(binary),
                json -> vertx.eventBus().publish(BusAddresses.RUNTIME_EXITED, json));
    }

    @Deactivate
    void deactivate() {
        close();
    }
}
