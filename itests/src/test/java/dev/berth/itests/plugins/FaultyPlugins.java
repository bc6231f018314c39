package dev.berth.itests.plugins;

import dev.berth.api.plugin.PluginProperties;
import dev.berth.api.stage.PullStage;
import dev.berth.itests.plugins.faulty.EchoPullStage;
import dev.berth.itests.plugins.faulty.FailingActivationPullStage;
import dev.berth.itests.plugins.faulty.HangingPullStage;
import dev.berth.itests.plugins.faulty.ThrowingPullStage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Ready-made plugin bundles for hot-swap tests, each written into a folder as
 * {@code <symbolic name>-<version>.jar}: pull stages that throw, hang or fail activation, a well-behaved
 * echo stage at any version, and two echo bundles that cannot resolve (an SPI major version this engine
 * does not export, a package nobody exports).
 *
 * <p>Every component registers a {@link PullStage} with {@code berth.stage=pull},
 * {@code berth.plugin.kind=stage} and its {@code berth.plugin.id}, and no service ranking: the built-in
 * registry stage (registered first) stays the active pull stage until a test ranks one higher. Import-Package
 * lists exactly the non-{@code java.*} packages each class refers to, with the range style bnd gives the
 * built-in bundles (the API package's version up to the next major); {@code java.*} is always loaded from
 * the JDK, so it is left out.
 */
public final class FaultyPlugins {
    /** Symbolic names and plugin ids of the bundles made here. */
    public static final String THROWING_BSN = "dev.berth.itest.faulty.throwing";
    public static final String THROWING_ID = "faulty-throwing";
    public static final String HANGING_BSN = "dev.berth.itest.faulty.hanging";
    public static final String HANGING_ID = "faulty-hanging";
    public static final String ACTIVATION_BSN = "dev.berth.itest.faulty.activation";
    public static final String ACTIVATION_ID = "faulty-activation";
    public static final String ECHO_BSN = "dev.berth.itest.echo";
    public static final String ECHO_ID = "echo";
    public static final String INCOMPATIBLE_BSN = "dev.berth.itest.incompatible";
    public static final String MISSING_BSN = "dev.berth.itest.missing";

    /** Import-Package clauses, ranges as bnd writes them for the built-in plugins (package-info versions). */
    static final String API = "dev.berth.api;version=\"[1.1,2)\"";
    static final String API_IMAGE = "dev.berth.api.image;version=\"[1.0,2)\"";
    static final String API_STAGE = "dev.berth.api.stage;version=\"[1.1,2)\"";
    static final String OSGI_FRAMEWORK = "org.osgi.framework;version=\"[1.10,2)\"";
    /** An SPI major version this engine does not have. */
    static final String API_STAGE_V9 = "dev.berth.api.stage;version=\"[9.0,10)\"";
    /** A package no bundle exports. */
    static final String NOWHERE = "com.example.nowhere;version=\"[1.0,2)\"";

    private FaultyPlugins() {
    }

    /** {@value #THROWING_BSN} 1.0.0: {@link ThrowingPullStage}, id {@value #THROWING_ID}. */
    public static Path throwing(Path dir) throws IOException {
        return PluginJar.bundle(THROWING_BSN, "1.0.0").name("Berth test plugin: pull stage that throws")
                .importPackage(API_IMAGE, API_STAGE)
                .component(pullStage(ThrowingPullStage.class, THROWING_ID))
                .writeTo(dir.resolve(THROWING_BSN + "-1.0.0.jar"));
    }

    /** {@value #HANGING_BSN} 1.0.0: {@link HangingPullStage}, id {@value #HANGING_ID}. */
    public static Path hanging(Path dir) throws IOException {
        return PluginJar.bundle(HANGING_BSN, "1.0.0").name("Berth test plugin: pull stage that hangs")
                .importPackage(API, API_IMAGE, API_STAGE)
                .component(pullStage(HangingPullStage.class, HANGING_ID))
                .writeTo(dir.resolve(HANGING_BSN + "-1.0.0.jar"));
    }

    /** {@value #ACTIVATION_BSN} 1.0.0: {@link FailingActivationPullStage}, id {@value #ACTIVATION_ID}. */
    public static Path failingActivation(Path dir) throws IOException {
        return PluginJar.bundle(ACTIVATION_BSN, "1.0.0").name("Berth test plugin: pull stage that fails activation")
                .importPackage(API_STAGE)
                .component(pullStage(FailingActivationPullStage.class, ACTIVATION_ID))
                .writeTo(dir.resolve(ACTIVATION_BSN + "-1.0.0.jar"));
    }

    /** {@value #ECHO_BSN} at {@code version}: {@link EchoPullStage}, id {@value #ECHO_ID}. */
    public static Path echo(Path dir, String version) throws IOException {
        return echoBundle(ECHO_BSN, version, "Berth test plugin: echo pull stage")
                .importPackage(API, API_IMAGE, API_STAGE, OSGI_FRAMEWORK)
                .writeTo(dir.resolve(ECHO_BSN + "-" + version + ".jar"));
    }

    /** The echo stage as {@value #INCOMPATIBLE_BSN} 1.0.0, demanding dev.berth.api.stage 9.x: never resolves. */
    public static Path incompatibleSpi(Path dir) throws IOException {
        return echoBundle(INCOMPATIBLE_BSN, "1.0.0", "Berth test plugin: echo pull stage for SPI 9")
                .importPackage(API, API_IMAGE, API_STAGE_V9, OSGI_FRAMEWORK)
                .writeTo(dir.resolve(INCOMPATIBLE_BSN + "-1.0.0.jar"));
    }

    /** The echo stage as {@value #MISSING_BSN} 1.0.0, also importing com.example.nowhere: never resolves. */
    public static Path missingImport(Path dir) throws IOException {
        return echoBundle(MISSING_BSN, "1.0.0", "Berth test plugin: echo pull stage with a missing import")
                .importPackage(API, API_IMAGE, API_STAGE, OSGI_FRAMEWORK, NOWHERE)
                .writeTo(dir.resolve(MISSING_BSN + "-1.0.0.jar"));
    }

    private static PluginJar echoBundle(String symbolicName, String version, String name) {
        return PluginJar.bundle(symbolicName, version).name(name).component(pullStage(EchoPullStage.class, ECHO_ID));
    }

    private static PluginJar.Component pullStage(Class<? extends PullStage> implementation, String id) {
        return PluginJar.Component.of(implementation.getName(), implementation).provide(PullStage.class)
                .property(PluginProperties.STAGE, PullStage.STAGE)
                .property(PluginProperties.KIND, "stage")
                .property(PluginProperties.ID, id);
    }
}
