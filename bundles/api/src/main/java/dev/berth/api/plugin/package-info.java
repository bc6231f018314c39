/**
 * How bundles describe themselves to Berth: the manifest header and service property names of plugins.
 */
@Version("1.2.0")
@Export
package dev.berth.api.plugin;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
