/**
 * The isolation module SPI: how namespaces, cgroups, capabilities, SELinux labels, seccomp and any
 * module a user writes contribute to a container's OCI runtime spec, and how a module may watch the
 * containers it isolated.
 *
 * <p>A module is an OSGi service implementing {@link dev.berth.api.isolation.IsolationModule} with the
 * service properties {@code berth.plugin.id} (its id) and {@link dev.berth.api.isolation.IsolationModule#ORDER}
 * (where it runs among the others). The spec stage asks every module that is on for the container, in
 * order, for a {@link dev.berth.api.isolation.Contribution}: the spec fields it sets and why. Optional
 * role interfaces add more: {@link dev.berth.api.isolation.ModuleLifecycle} for modules that allocate
 * something per container (an MCS pair, a uid range), {@link dev.berth.api.isolation.ContainerWatcher} for
 * modules that watch a running container (OOM kills), {@link dev.berth.api.isolation.ResourceMonitor} for
 * the module that answers {@code berth stats}.
 */
@Version("1.0.0")
@Export
package dev.berth.api.isolation;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
