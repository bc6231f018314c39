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
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The cgroups isolation module's work, without OSGi: sets {@code linux.resources} memory, cpu and pids from
 * Docker's flags ({@link CgroupLimits}), watches containers' OOM-kill counters ({@link OomPoller}) and reads
 * their use for {@code berth stats} ({@link CgroupTree}). {@link #close} stops the poller thread.
 * Thread-safe.
 *
 * <p>Not final only so that its DS component, {@link CgroupsModule}, can extend it; extended only by that
 * component.
 */
public class CgroupIsolation implements IsolationModule, ContainerWatcher, ResourceMonitor, AutoCloseable {
    /** The module id ({@code berth.plugin.id}). */
    public static final String ID = "cgroups";
    /** The module's place among isolation modules ({@code berth.isolation.order}). */
    public static final int ORDER = 200;

    /** How long a watch waits for a container's cgroup to appear before giving up, in milliseconds. */
    static final long CGROUP_GRACE_MILLIS = 5_000;

    private final CgroupLimits limits;
    private final CgroupTree tree;
    private final OomPoller poller;

    /**
     * A module reading the cgroup file systems mounted under {@code cgroupRoot}, checking CPUs against the
     * list in {@code onlineCpus} and reading OOM-kill counters every {@code pollMillis}.
     */
    CgroupIsolation(Path cgroupRoot, Path onlineCpus, long pollMillis) {
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

    /** Stops the poller thread and every watch. */
    @Override
    public void close() {
        poller.close();
    }
}
