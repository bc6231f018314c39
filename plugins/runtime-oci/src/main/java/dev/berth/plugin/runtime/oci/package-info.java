/**
 * Drives an OCI runtime's command line (runc, crun) for the run stage, with every container and exec under
 * the {@code berth-shim} monitor carried in this package as a resource. Not exported: the runc and crun
 * bundles each embed a private copy, so either can be updated or removed on its own. The entry points are
 * {@link dev.berth.plugin.runtime.oci.OciRuntime} and {@link dev.berth.plugin.runtime.oci.RuntimeSettings}.
 */
package dev.berth.plugin.runtime.oci;
