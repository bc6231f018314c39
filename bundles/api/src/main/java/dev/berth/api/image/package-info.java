/**
 * Image values shared by every image stage: references, digests, platforms and descriptors.
 */
@Version("1.0.0")
@Export
package dev.berth.api.image;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
