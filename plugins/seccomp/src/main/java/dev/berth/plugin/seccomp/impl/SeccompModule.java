package dev.berth.plugin.seccomp.impl;

import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.plugin.PluginProperties;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The seccomp isolation module ({@code berth.plugin.id=seccomp}, order 500, on by default once installed):
 * the DS component of {@link SeccompPolicy}, which does the work; this class only maps its configuration.
 * Not a built-in bundle; it is installed by copying its jar into the engine's plugins folder. Thread-safe.
 */
@Component(service = IsolationModule.class, property = {
    PluginProperties.KIND + "=isolation",
    PluginProperties.ID + "=seccomp",
    IsolationModule.ORDER + ":Integer=500",
    IsolationModule.DEFAULT_ON + ":Boolean=true"})
@Designate(ocd = SeccompModule.Config.class)
public final class SeccompModule extends SeccompPolicy {
    /** How the module is configured (PID {@code dev.berth.plugin.seccomp.impl.SeccompModule}). */
    @ObjectClassDefinition(name = "Berth seccomp module", description = "Seccomp filters for containers")
    public @interface Config {
        /** Whether --security-opt seccomp=unconfined and --privileged may run a container without a filter. */
        @AttributeDefinition(description = "Allow containers without a seccomp filter (seccomp=unconfined, --privileged)")
        boolean unconfinedAllowed() default true;
    }

    @Activate
    public SeccompModule(Config config) {
        super(config.unconfinedAllowed());
    }
}
