package dev.berth.api.isolation;

import dev.berth.api.BerthException;

/**
 * An optional role of an {@link IsolationModule}: it reads what a running container uses, for
 * {@code berth stats}. Thread-safe.
 */
public interface ResourceMonitor {
    /** The container's use now; throws when its cgroup cannot be read (named in the message). */
    ResourceUsage usage(WatchedContainer container) throws BerthException;
}
