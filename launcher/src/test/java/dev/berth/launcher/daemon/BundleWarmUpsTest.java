package dev.berth.launcher.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.berth.api.plugin.PluginProperties;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.apache.felix.framework.Felix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;

/** {@link Daemon#bundleWarmUps}: which services are warm-ups, in which order, and a framework that went away. */
class BundleWarmUpsTest {
    @TempDir
    Path storage;

    private Framework framework;
    private BundleContext context;
    private final List<String> ran = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void startFramework() throws Exception {
        framework = new Felix(Map.of(Constants.FRAMEWORK_STORAGE, storage.toString(),
                Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT));
        framework.start();
        context = framework.getBundleContext();
    }

    @AfterEach
    void stopFramework() throws Exception {
        framework.stop();
        framework.waitForStop(10_000);
    }

    private ServiceRegistration<Runnable> register(String name, Integer ranking, boolean warmUp) {
        Hashtable<String, Object> properties = new Hashtable<>();
        if (warmUp) {
            properties.put(PluginProperties.WARM_UP, name);
        }
        if (ranking != null) {
            properties.put(Constants.SERVICE_RANKING, ranking);
        }
        return context.registerService(Runnable.class, () -> ran.add(name), properties);
    }

    @Test
    void onlyWarmUpServicesRunHighestRankingFirstThenOldestFirst() {
        register("pull", null, true);
        register("not a warm-up", 100, false);
        register("expand", null, true);
        register("ranked", 5, true);

        Daemon.bundleWarmUps(context).forEach(Runnable::run);

        assertEquals(List.of("ranked", "pull", "expand"), ran);
    }

    @Test
    void aWarmUpUnregisteredAfterTheListingIsSkippedAndTheServiceIsReleased() throws Exception {
        ServiceRegistration<Runnable> gone = register("gone", null, true);
        register("kept", null, true);
        List<Runnable> warmUps = Daemon.bundleWarmUps(context);
        gone.unregister();

        warmUps.forEach(Runnable::run);

        assertEquals(List.of("kept"), ran);
        assertEquals(null, context.getServiceReferences(Runnable.class, null).stream()
                .filter(r -> r.getUsingBundles() != null).findAny().orElse(null), "a warm-up service still in use");
    }

    @Test
    void aStoppedFrameworkHasNoWarmUps() throws Exception {
        register("pull", null, true);
        framework.stop();
        framework.waitForStop(10_000);

        assertEquals(List.of(), Daemon.bundleWarmUps(context));
    }
}
