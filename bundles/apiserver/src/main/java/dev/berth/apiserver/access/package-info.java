/**
 * Who may reach the engine's API sockets (owner root, group {@code berth} when it exists, mode 0660, as
 * Docker's socket is for its {@code docker} group), and what a request the HTTP decoder cannot read gets.
 * Used by both HTTP front ends.
 */
@Version("1.0.0")
@Export
package dev.berth.apiserver.access;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
