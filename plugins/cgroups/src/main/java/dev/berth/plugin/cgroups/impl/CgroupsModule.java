package dev.berth.plugin.cgroups.impl;

import dev.berth.api.isolation.ContainerWatcher;
import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.isolation.ResourceMonitor;
import dev.berth.api.plugin.PluginProperties;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The cgroups isolation module ({@code berth.plugin.id=cgroups}, order 200, on by default): the DS component
 * of {@link CgroupIsolation}, which does the work; this class only maps its configuration. Deactivation
 * stops the poller thread. Thread-safe.
 */
@Component(service = {IsolationModule.class, ContainerWatcher.class, ResourceMonitor.class}, property = {
    PluginProperties.KIND + "=isolation",
    PluginProperties.ID + "=" + CgroupIsolation.ID,
    IsolationModule.ORDER + ":Integer=" + CgroupIsolation.ORDER,
    IsolationModule.DEFAULT_ON + ":Boolean=true"})
@Designate(ocd = CgroupsModule.Config.class)
public final class CgroupsModule extends CgroupIsolation {
    /** How the module is configured (PID {@code dev.berth.plugin.cgroups.impl.CgroupsModule}); optional. */
    @ObjectClassDefinition(name = "Berth cgroups isolation module",
            description = "Memory, CPU and pids limits, OOM watching and resource use from cgroups")
    public @interface Config {
        /** Where the host's cgroup file systems are mounted. */
        @AttributeDefinition(description = "Where the host's cgroup file systems are mounted")
        String cgroupRoot() default "/sys/fs/cgroup";

        /** The kernel's list of online CPUs, which --cpus and --cpuset-cpus are checked against. */
        @AttributeDefinition(description = "The kernel's list of online CPUs")
        String onlineCpus() default "/sys/devices/system/cpu/online";

        /** How often the OOM-kill counters of running containers are read, in milliseconds. */
        @AttributeDefinition(description = "How often OOM-kill counters are read, in milliseconds")
        long oomPollMillis() default 200;
    }

    @Activate
    public CgroupsModule(Config config) {
        super(Path.of(config.cgroupRoot()), Path.of(config.onlineCpus()), config.oomPollMillis());
    }

    @Deactivate
    void deactivate() {
        close();
    }
}
