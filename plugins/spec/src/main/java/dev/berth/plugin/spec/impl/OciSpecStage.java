package dev.berth.plugin.spec.impl;

import dev.berth.api.BerthException;
import dev.berth.api.container.GeneratedSpec;
import dev.berth.api.container.SpecRequest;
import dev.berth.api.container.SpecStage;
import dev.berth.api.plugin.PluginProperties;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The built-in spec stage ({@code berth.plugin.id=oci}): a thin DS adapter over {@link SpecGenerator},
 * which reads the host's resolv.conf and limits for every spec it writes. Thread-safe.
 */
@Component(service = SpecStage.class, property = {
    PluginProperties.STAGE + "=" + SpecStage.STAGE,
    PluginProperties.KIND + "=stage",
    PluginProperties.ID + "=oci"})
@Designate(ocd = OciSpecStage.Config.class)
public final class OciSpecStage implements SpecStage {
    /** How the spec stage is configured (PID {@code dev.berth.plugin.spec.impl.OciSpecStage}). */
    @ObjectClassDefinition(name = "Berth spec stage", description = "Writes OCI runtime bundles for containers")
    public @interface Config {
        /** The host file copied into each container as /etc/resolv.conf. */
        @AttributeDefinition(description = "Host file copied into each container as /etc/resolv.conf")
        String resolvConf() default "/etc/resolv.conf";

        /** Open files per container, capped at the engine's own hard limit. */
        @AttributeDefinition(description = "RLIMIT_NOFILE for containers, capped at the engine's hard limit")
        long nofile() default SpecGenerator.DEFAULT_NOFILE;
    }

    private final SpecGenerator generator;

    @Activate
    public OciSpecStage(Config config) {
        this.generator = SpecGenerator.forHost(Path.of(config.resolvConf()), config.nofile());
    }

    @Override
    public GeneratedSpec generate(SpecRequest request) throws BerthException {
        return generator.generate(request);
    }
}
