package dev.berth.launcher;

import java.util.List;

/**
 * The one explicit list of built-in bundles: the symbolic names the daemon installs and starts from
 * {@code <home>/bundles}, in this order. Anything else is a plugin and belongs in {@code plugins/}.
 *
 * <p>Order: the OSGi service APIs and Declarative Services first, then libraries, then Berth's own bundles
 * from the API outwards, and FileInstall last, so that plugins are only picked up once the engine is up.
 * {@code BuiltinsFolderTest} checks this list against the assembled distribution. Immutable.
 */
public final class Builtins {

    /** The built-in bundle symbolic names in install and start order (see {@link #startsConcurrently}). */
    public static final List<String> SYMBOLIC_NAMES = List.of(
            // Framework services: DS needs the component, promise and function APIs at run time.
            "org.osgi.util.function",
            "org.osgi.util.promise",
            "org.osgi.service.component",
            "org.apache.felix.scr",
            "org.apache.felix.configadmin",
            // Libraries.
            "com.fasterxml.jackson.core.jackson-annotations",
            "com.fasterxml.jackson.core.jackson-core",
            "com.fasterxml.jackson.core.jackson-databind",
            "io.netty.common",
            "io.netty.buffer",
            "io.netty.resolver",
            "io.netty.transport",
            "io.netty.transport-native-unix-common",
            "io.netty.codec-base",
            "io.netty.codec-compression",
            "io.netty.handler",
            "io.netty.codec-dns",
            "io.netty.codec-http",
            "io.netty.codec-http2",
            "io.netty.codec-socks",
            "io.netty.handler-proxy",
            "io.netty.resolver-dns",
            "dev.berth.vertx",
            // Berth's engine bundles.
            "dev.berth.api",
            "dev.berth.eventlog",
            "dev.berth.bus",
            "dev.berth.engine",
            // The default stage implementations (plugins/), replaceable while the engine runs. Before the
            // API servers: once a socket answers, every request finds its stages (and the runtimes have
            // re-adopted their containers).
            "dev.berth.plugin.pull",
            "dev.berth.plugin.expand",
            "dev.berth.plugin.archive",
            "dev.berth.plugin.mount",
            "dev.berth.plugin.spec",
            "dev.berth.plugin.runc",
            "dev.berth.plugin.crun",
            // The isolation modules, in the order they contribute to a spec.
            "dev.berth.plugin.namespaces",
            "dev.berth.plugin.cgroups",
            "dev.berth.plugin.capabilities",
            "dev.berth.plugin.selinux",
            // The API servers: their sockets open once everything above serves.
            "dev.berth.apiserver",
            "dev.berth.dockerapi",
            // Hot deploy of plugins/, started once the engine is up.
            "org.apache.felix.fileinstall");

    private Builtins() {
    }

    /**
     * Whether {@code symbolicName} belongs to the group that starts concurrently: Berth's engine bundles
     * after the API (event log, bus, engine) and every stage plugin and isolation module. They meet only
     * through services, which Declarative Services wires in whatever order they come; the libraries before
     * them and the API servers and FileInstall after them keep their place, so that a socket answers only
     * once everything it needs serves.
     */
    public static boolean startsConcurrently(String symbolicName) {
        return symbolicName.equals("dev.berth.eventlog") || symbolicName.equals("dev.berth.bus")
                || symbolicName.equals("dev.berth.engine") || symbolicName.startsWith("dev.berth.plugin.");
    }

    /** The list as the comma-separated value of the {@code berth.builtins} framework property. */
    public static String asProperty() {
        return String.join(",", SYMBOLIC_NAMES);
    }
}
