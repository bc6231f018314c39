package dev.berth.plugin.crun.impl;

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
 * The run stage backed by crun: an {@link OciRuntime} with its root at {@code <berth.root>/runtimes/crun},
 * publishing exits on the bus at {@link BusAddresses#RUNTIME_EXITED}. crun 1.x cannot run containers on a
 * hybrid cgroup host whose cgroup2 hierarchy still holds controllers; {@link #info()} then says so.
 * Deactivation stops the exit poller only; containers and their monitors keep running. Thread-safe.
 */
@Component(service = ContainerRuntime.class, property = {
    PluginProperties.STAGE + "=" + ContainerRuntime.STAGE,
    ContainerRuntime.NAME_PROPERTY + "=crun",
    PluginProperties.KIND + "=runtime",
    PluginProperties.ID + "=crun"})
@Designate(ocd = CrunRuntime.Config.class)
public final class CrunRuntime extends OciRuntime {

    /** Configuration (PID {@code dev.berth.plugin.crun.impl.CrunRuntime}); optional. */
    @ObjectClassDefinition(name = "Berth crun runtime")
    public @interface Config {
        /**
         * Absolute path of the crun binary ({@code berth.runtime.binary}); empty looks in /usr/bin,
         * /usr/local/bin, then PATH.
         */
        @AttributeDefinition(required = false)
        String berth_runtime_binary() default "";
    }

    @Activate
    public CrunRuntime(BundleContext context, @Reference Vertx vertx, Config config) throws IOException {
        this(PluginProperties.stateRoot(context::getProperty), vertx, config.berth_runtime_binary());
    }

    CrunRuntime(Path stateRoot, Vertx vertx, String binary) throws IOException {
        super(RuntimeSettings.crun(stateRoot).withBinary(binary),
                json -> vertx.eventBus().publish(BusAddresses.RUNTIME_EXITED, json));
    }

    @Deactivate
    void deactivate() {
        close();
    }
}
