package dev.berth.api.plugin;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Names of the manifest header and service properties by which plugins describe themselves. */
public final class PluginProperties {
    /** Manifest header giving a bundle's {@link PluginKind} label: {@code Berth-Kind: runtime}. */
    public static final String KIND_HEADER = "Berth-Kind";
    /** Service property: the plugin kind label. */
    public static final String KIND = "berth.plugin.kind";
    /** Service property: the plugin id, unique within its kind ({@code crun}). */
    public static final String ID = "berth.plugin.id";
    /** Service property of stage implementations: which stage ({@code pull}, {@code expand}, ...). */
    public static final String STAGE = "berth.stage";
    /**
     * Service property a bundle registers (on a marker service) when it cannot start the engine; its value
     * is the message the daemon prints before it stops.
     */
    public static final String FATAL = "berth.fatal";
    /** Service property registered by the API server once it listens; its value is the endpoint URI. */
    public static final String API_READY = "berth.api.ready";
    /**
     * Service property of a {@link Runnable} that warms a bundle's code up (its value names it): once the daemon
     * has printed its ready line, it runs each such service once, one after the other, on a thread of its own,
     * and ignores what they throw. A warm-up changes no state, appends no event and talks to nothing
     * but what it starts itself, so that the first real request does not run that code for the first time.
     */
    public static final String WARM_UP = "berth.warm.up";

    /** Framework property: the state root ({@code /var/lib/berth}). */
    public static final String ROOT_PROPERTY = "berth.root";
    /** Framework property: the run folder holding the API socket ({@code /run/berth}). */
    public static final String RUN_PROPERTY = "berth.run";
    /** Framework property: the Berth release version. */
    public static final String VERSION_PROPERTY = "berth.version";
    /** Framework property: optional TCP listen address {@code host:port} for the API; absent means none. */
    public static final String TCP_PROPERTY = "berth.api.tcp";
    /**
     * Framework properties: the PEM files the TCP listener needs, its certificate, its private key
     * (PKCS#8) and the CA whose client certificates it accepts. TCP is served only with all three: the API
     * is root on this machine.
     */
    public static final String TLS_CERT_PROPERTY = "berth.api.tls.cert";
    /** See {@link #TLS_CERT_PROPERTY}. */
    public static final String TLS_KEY_PROPERTY = "berth.api.tls.key";
    /** See {@link #TLS_CERT_PROPERTY}. */
    public static final String TLS_CA_PROPERTY = "berth.api.tls.ca";
    /** Framework property: comma-separated symbolic names of the built-in bundles, in start order. */
    public static final String BUILTINS_PROPERTY = "berth.builtins";

    /** The state root used when {@link #ROOT_PROPERTY} is unset or blank. */
    public static final String DEFAULT_ROOT = "/var/lib/berth";
    /** The run folder used when {@link #RUN_PROPERTY} is unset or blank. */
    public static final String DEFAULT_RUN = "/run/berth";

    private PluginProperties() {
    }

    /**
     * The state root from the framework properties ({@code BundleContext::getProperty}), or
     * {@link #DEFAULT_ROOT} when unset or blank.
     */
    public static Path stateRoot(UnaryOperator<String> frameworkProperty) {
        return folder(frameworkProperty, ROOT_PROPERTY, DEFAULT_ROOT);
    }

    /**
     * The run folder from the framework properties ({@code BundleContext::getProperty}), or {@link #DEFAULT_RUN}
     * when unset or blank.
     */
    public static Path runFolder(UnaryOperator<String> frameworkProperty) {
        return folder(frameworkProperty, RUN_PROPERTY, DEFAULT_RUN);
    }

    private static Path folder(UnaryOperator<String> frameworkProperty, String property, String fallback) {
        String value = frameworkProperty.apply(property);
        return Path.of(value == null || value.isBlank() ? fallback : value);
    }
}
