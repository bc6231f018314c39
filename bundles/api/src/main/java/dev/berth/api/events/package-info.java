/**
 * The engine's own event payloads: immutable records named subject + past participle, each carrying its
 * stored name and version in {@link dev.berth.api.event.EventType}.
 */
@Version("2.2.0")
@Export
package dev.berth.api.events;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
