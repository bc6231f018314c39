/**
 * Berth's root API package: the error type every area of the engine reports through.
 */
@Version("1.1.0")
@Export
package dev.berth.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
