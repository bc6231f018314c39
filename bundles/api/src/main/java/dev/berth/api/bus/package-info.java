/**
 * Event-bus addresses: every address Berth uses is a constant here, never a literal at a call site.
 */
@Version("1.4.0")
@Export
package dev.berth.api.bus;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
