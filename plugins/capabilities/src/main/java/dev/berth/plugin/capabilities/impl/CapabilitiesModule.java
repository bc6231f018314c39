package dev.berth.plugin.capabilities.impl;

import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.plugin.PluginProperties;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The capabilities isolation module ({@code berth.plugin.id=capabilities}, order 300, on by default): the DS
 * component of {@link CapabilityIsolation}, which does the work; this class only maps its configuration.
 * Thread-safe.
 */
@Component(service = IsolationModule.class, property = {
    PluginProperties.KIND + "=isolation",
    PluginProperties.ID + "=" + CapabilityIsolation.ID,
    IsolationModule.ORDER + ":Integer=" + CapabilityIsolation.ORDER,
    IsolationModule.DEFAULT_ON + ":Boolean=true"})
@Designate(ocd = CapabilitiesModule.Config.class)
public final class CapabilitiesModule extends CapabilityIsolation {
    /** How the module is configured (PID {@code dev.berth.plugin.capabilities.impl.CapabilitiesModule}). */
    @ObjectClassDefinition(name = "Berth capabilities module",
            description = "Docker's default capabilities, --cap-add, --cap-drop, --privileged, no-new-privileges")
    public @interface Config {
        /** The status file whose CapBnd line is the engine's bounding set; tests point it at a fake. */
        @AttributeDefinition(description = "File whose CapBnd line gives the capabilities the engine can hand on")
        String statusFile() default "/proc/self/status";
    }

    @Activate
    public CapabilitiesModule(Config config) {
        super(Path.of(config.statusFile()));
    }
}
