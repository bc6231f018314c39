/**
 * The event log: Berth's only source of truth. Every state change is appended here, durably, before
 * anyone can observe it.
 */
@Version("1.2.0")
@Export
package dev.berth.api.event;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
