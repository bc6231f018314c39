/**
 * Streaming into a Vert.x HTTP response, shared by the engine's two HTTP front ends (Berth's own API in this
 * bundle and the Docker Engine API in {@code dev.berth.dockerapi}): {@link dev.berth.apiserver.stream.EventLogStream}
 * writes the event log's history and then its new records, {@link dev.berth.apiserver.stream.LogFileStream} a
 * container's log file to its end and, when following, what the container writes until it stops. Each
 * caller keeps its wire format: it says through a small {@code Format} how one record or one log entry
 * becomes bytes and what a failure writes last; reading, back-pressure, following and closing are here once.
 *
 * <p>Why here and not in {@code dev.berth.api}: the mechanism is about a Vert.x response (its write queue,
 * drain and close handlers, blocking work on the request's context), so its signatures carry Vert.x types,
 * and the API bundle is JDK types only and baseline-checked for plugins. Wrapping Vert.x behind Berth's own
 * interfaces would need the same adapter in each front end, which is the copy this package removes. So the
 * API server, the first of the two front ends, exports it as a small library package for engine bundles;
 * it is not a plugin SPI, and its Vert.x imports resolve to the one {@code dev.berth.vertx} bundle both
 * front ends already wire to.
 */
@Version("1.0.0")
@Export
package dev.berth.apiserver.stream;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
