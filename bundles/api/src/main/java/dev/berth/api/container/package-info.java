/**
 * Containers: the values the mount, spec and run stages exchange with the engine (run options, mounted
 * root filesystems, generated specs, runtime states and exits) and the SPIs of those three stages.
 * Plugins register {@link dev.berth.api.container.MountStage} and {@link dev.berth.api.container.SpecStage}
 * services with {@code berth.stage} set to the stage name (the highest service ranking is active), and
 * any number of {@link dev.berth.api.container.ContainerRuntime} services, told apart by
 * {@code berth.runtime}. The engine reaches them over the bus at {@code berth.stage.<name>}.
 */
@Version("2.3.0")
@Export
package dev.berth.api.container;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
