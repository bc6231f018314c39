package dev.berth.plugin.spec.impl;

import dev.berth.api.BerthException;
import dev.berth.api.container.GeneratedSpec;
import dev.berth.api.container.SpecRequest;
import dev.berth.api.container.SpecStage;
import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.plugin.PluginProperties;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The built-in spec stage ({@code berth.plugin.id=oci}): a thin DS adapter over {@link SpecGenerator},
 * which reads the host's resolv.conf and limits for every spec it writes, and over the isolation modules
 * registered at that moment (they come and go while the engine runs; each container sees the set present
 * when its spec is written). Thread-safe.
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

        /** The isolation modules every container gets unless it turns them off; empty: each module's own default. */
        @AttributeDefinition(description = "Isolation module ids on by default (empty: every module that is on by default)")
        String[] isolationModules() default {};

        /** Isolation modules no container gets unless it names them with --isolation-module. */
        @AttributeDefinition(description = "Isolation module ids off by default")
        String[] disabledIsolationModules() default {};

        /** Modules without which no container is created unless it turns them off itself. */
        @AttributeDefinition(description = "Isolation module ids that must be active for a container to be created "
                + "(unless it turns them off with --no-isolation-module)")
        String[] requiredIsolationModules() default {"namespaces", "cgroups", "capabilities"};
    }

    private final Map<ServiceReference<IsolationModule>, ActiveModule> modules = new ConcurrentHashMap<>();
    private final SpecGenerator generator;

    @Activate
    public OciSpecStage(Config config) {
        Set<String> on = Set.of(config.isolationModules());
        Set<String> off = Set.of(config.disabledIsolationModules());
        Set<String> required = Set.of(config.requiredIsolationModules());
        this.generator = SpecGenerator.forHost(Path.of(config.resolvConf()), config.nofile(),
                () -> new IsolationChain(List.copyOf(modules.values()), on, off, required));
    }

    @Reference(service = IsolationModule.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addModule(ServiceReference<IsolationModule> reference, IsolationModule module) {
        modules.put(reference, describe(reference, module));
    }

    void removeModule(ServiceReference<IsolationModule> reference) {
        modules.remove(reference);
    }

    /** The module's id, bundle version, order and default from its service properties. */
    static ActiveModule describe(ServiceReference<?> reference, IsolationModule module) {
        Object id = reference.getProperty(PluginProperties.ID);
        String version = reference.getBundle() == null ? null : reference.getBundle().getVersion().toString();
        return new ActiveModule(id == null ? module.getClass().getName() : id.toString(), version,
                IsolationModule.order(reference.getProperty(IsolationModule.ORDER)),
                IsolationModule.defaultOn(reference.getProperty(IsolationModule.DEFAULT_ON)), module);
    }

    @Override
    public GeneratedSpec generate(SpecRequest request) throws BerthException {
        return generator.generate(request);
    }

    @Override
    public void check(SpecRequest request) throws BerthException {
        generator.check(request);
    }
}
