package dev.berth.plugin.namespaces.impl;

import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.isolation.ModuleLifecycle;
import dev.berth.api.plugin.PluginProperties;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The namespaces isolation module ({@code berth.plugin.id=namespaces}, order 100, on by default): the DS
 * component of {@link NamespaceIsolation}, which does the work; this class only maps its configuration.
 * Thread-safe.
 */
@Component(service = {IsolationModule.class, ModuleLifecycle.class}, property = {
    PluginProperties.KIND + "=isolation",
    PluginProperties.ID + "=namespaces",
    IsolationModule.ORDER + ":Integer=100",
    IsolationModule.DEFAULT_ON + ":Boolean=true"})
@Designate(ocd = NamespacesModule.Config.class)
public final class NamespacesModule extends NamespaceIsolation {
    /** How the module is configured (PID {@code dev.berth.plugin.namespaces.impl.NamespacesModule}). */
    @ObjectClassDefinition(name = "Berth namespaces isolation module",
            description = "Namespaces for containers and the host id pool of --userns auto")
    public @interface Config {
        /** The first host id of the --userns auto pool. */
        @AttributeDefinition(description = "First host uid/gid of the --userns auto pool")
        long usernsBase() default 1_000_000L;

        /** Ids per --userns auto range. */
        @AttributeDefinition(description = "Ids per --userns auto range (container ids 0 to this minus 1)")
        long usernsSize() default 65_536L;

        /** How many ranges the pool has, so how many --userns auto containers can exist at once. */
        @AttributeDefinition(description = "Number of --userns auto ranges: containers with one at a time")
        int usernsSlots() default 1024;
    }

    @Activate
    public NamespacesModule(Config config) {
        super(config.usernsBase(), config.usernsSize(), config.usernsSlots());
    }
}
