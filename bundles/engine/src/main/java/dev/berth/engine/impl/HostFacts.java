package dev.berth.engine.impl;

import java.util.List;

/**
 * What the engine found out about the host it runs on: kernel, cgroup layout, overlayfs, SELinux, user
 * namespaces and the container runtimes installed. Immutable.
 */
public record HostFacts(String kernel, String os, Cgroups cgroups, boolean overlayfs, String selinux,
        UserNamespaces userNamespaces, List<Runtime> runtimes) {

    public HostFacts {
        runtimes = List.copyOf(runtimes);
    }

    /** How cgroups are mounted: {@code v1}, {@code v2} or {@code hybrid} (v1 controllers plus a cgroup2 mount). */
    public record Cgroups(String mode, String unifiedMount, List<String> unifiedControllers) {
        public Cgroups {
            unifiedControllers = List.copyOf(unifiedControllers);
        }
    }

    /** Whether user namespaces can be created, and how many at most. */
    public record UserNamespaces(boolean supported, long max) {
    }

    /**
     * One container runtime: where it is, its version, and whether it can run containers on this host.
     * {@code reason} says why not, in words, when {@code usable} is false.
     */
    public record Runtime(String name, String path, String version, boolean usable, String reason) {
    }
}
