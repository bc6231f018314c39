package dev.berth.plugin.selinux.impl;

import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.isolation.ModuleLifecycle;
import dev.berth.api.plugin.PluginProperties;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The SELinux isolation module ({@code berth.plugin.id=selinux}, order 400, on by default): the DS
 * component of {@link SelinuxLabeller}, which does the work; this class only maps its configuration. Its MCS
 * allocations live in memory; the engine rebuilds them through {@link #restore} whenever this service
 * appears. Thread-safe.
 */
@Component(service = {IsolationModule.class, ModuleLifecycle.class}, property = {
    PluginProperties.KIND + "=isolation",
    PluginProperties.ID + "=selinux",
    IsolationModule.ORDER + ":Integer=400",
    IsolationModule.DEFAULT_ON + ":Boolean=true"})
@Designate(ocd = SelinuxModule.Config.class)
public final class SelinuxModule extends SelinuxLabeller {
    /** How the module is configured (PID {@code dev.berth.plugin.selinux.impl.SelinuxModule}). */
    @ObjectClassDefinition(name = "Berth SELinux isolation module",
            description = "Per-container SELinux labels with a unique MCS pair, and :z/:Z volume relabelling")
    public @interface Config {
        /** Where selinuxfs is mounted; SELinux counts as on when its enforce file exists. */
        @AttributeDefinition(description = "selinuxfs mount point; SELinux is on when it holds an enforce file")
        String selinuxfs() default SelinuxSettings.DEFAULT_SELINUXFS;

        /** Whether a host without SELinux fails every container instead of leaving labels out. */
        @AttributeDefinition(description = "Fail every container when the host has no SELinux")
        boolean required() default false;

        /** The type of container processes. */
        @AttributeDefinition(description = "SELinux type of container processes")
        String processType() default SelinuxSettings.DEFAULT_PROCESS_TYPE;

        /** The type of container files and mounts. */
        @AttributeDefinition(description = "SELinux type of container files, mounts and volumes")
        String fileType() default SelinuxSettings.DEFAULT_FILE_TYPE;

        /** How many MCS categories pairs are drawn from (c0..c(N-1)). */
        @AttributeDefinition(description = "MCS categories to allocate pairs from, 2 to 1024")
        int categories() default SelinuxSettings.DEFAULT_CATEGORIES;

        /** The chcon command that relabels volumes. */
        @AttributeDefinition(description = "chcon command used to relabel :z/:Z volumes")
        String chcon() default "chcon";
    }

    @Activate
    public SelinuxModule(Config config) {
        super(new SelinuxSettings(Path.of(config.selinuxfs()), config.required(), config.processType(),
                config.fileType(), config.categories(), config.chcon()), new ChconRelabeller(config.chcon()));
    }
}
