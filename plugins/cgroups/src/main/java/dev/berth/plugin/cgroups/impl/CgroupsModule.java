package dev.berth.plugin.cgroups.impl;

import dev.berth.api.BerthException;
import dev.berth.api.isolation.ContainerWatcher;
import dev.berth.api.isolation.Contribution;
import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.isolation.IsolationRequest;
import dev.berth.api.isolation.Observation;
import dev.berth.api.isolation.ResourceMonitor;
import dev.berth.api.isolation.ResourceUsage;
import dev.berth.api.isolation.WatchedContainer;
import dev.berth.api.plugin.PluginProperties;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Consumer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The cgroups isolation module ({@code berth.plugin.id=cgroups}, order 200, on by default): a thin DS
 * adapter that sets {@code linux.resources} memory, cpu and pids from Docker's flags
 * ({@link CgroupLimits}), watches containers' OOM-kill counters ({@link OomPoller}) and reads their use for
 * {@code berth stats} ({@link CgroupTree}). Deactivation stops the poller thread. Thread-safe.
 */
@Component(service = {IsolationModule.class, ContainerWatcher.class, ResourceMonitor.class}, property = {
    PluginProperties.KIND + "=isolation",
    PluginProperties.ID + "=" + CgroupsModule.ID,
    IsolationModule.ORDER + ":Integer=" + CgroupsModule.ORDER,
    IsolationModule.DEFAULT_ON + ":Boolean=true"})
@Designate(ocd = CgroupsModule.Config.class)
public final class CgroupsModule implements IsolationModule, ContainerWatcher, ResourceMonitor {
    /** The module id. */
    public static final String ID = "cgroups";
    /** The module's place among isolation modules. */
    public static final int ORDER = 200;

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

    /** How long a watch waits for a container's cgroup to appear before giving up, in milliseconds. */
    static final long CGROUP_GRACE_MILLIS = 5_000;

    private final CgroupLimits limits;
    private final CgroupTree tree;
    private final OomPoller poller;

    @Activate
    public CgroupsModule(Config config) {
        this(Path.of(config.cgroupRoot()), Path.of(config.onlineCpus()), config.oomPollMillis());
    }

    CgroupsModule(Path cgroupRoot, Path onlineCpus, long pollMillis) {
        this.limits = new CgroupLimits(onlineCpus);
        this.tree = new CgroupTree(cgroupRoot);
        this.poller = new OomPoller(tree, pollMillis, CGROUP_GRACE_MILLIS);
    }

    @Override
    public Set<String> options() {
        return CgroupLimits.OPTIONS;
    }

    @Override
    public void check(IsolationRequest request) throws BerthException {
        limits.check(request);
    }

    @Override
    public Contribution contribute(IsolationRequest request) throws BerthException {
        return limits.contribute(request);
    }

    @Override
    public AutoCloseable watch(WatchedContainer container, Consumer<Observation> observations) {
        return poller.watch(container, observations);
    }

    @Override
    public ResourceUsage usage(WatchedContainer container) throws BerthException {
        return tree.usage(container.cgroupsPath());
    }

    @Deactivate
    void deactivate() {
        poller.close();
    }
}
