package dev.berth.api.plugin;

import java.util.Locale;

/** What role a bundle plays in the engine, as shown by {@code berth plugins}. */
public enum PluginKind {
    /** One of the engine's own bundles (API, log, bus, engine, API server). */
    ENGINE,
    /** A stage implementation: pull, expand, mount, spec, run. */
    STAGE,
    /** A container runtime driver (runc, crun). */
    RUNTIME,
    /** An isolation module (namespaces, cgroups, capabilities, SELinux). */
    ISOLATION,
    /** A library bundle (Vert.x, Jackson, Netty, ...). */
    LIBRARY,
    /** The OSGi framework or one of its services (Felix, SCR, FileInstall). */
    FRAMEWORK;

    /** The lowercase name used in headers, events and output. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a {@link PluginProperties#KIND_HEADER} value; unknown or absent values mean {@link #LIBRARY}. */
    public static PluginKind fromHeader(String value) {
        if (value == null) {
            return LIBRARY;
        }
        for (PluginKind kind : values()) {
            if (kind.label().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return kind;
            }
        }
        return LIBRARY;
    }
}
