package dev.berth.launcher.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.launcher.Builtins;
import dev.berth.launcher.daemon.BuiltinSet.BuiltinJar;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.felix.framework.Felix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Installs the assembled built-in bundles into a real Felix configured exactly as the daemon configures it and
 * checks that every one resolves. Nothing is started, so no engine code runs here; the full boot is tested by
 * the daemon process test and in itests/.
 */
class BuiltinsResolveTest {

    @TempDir
    Path temp;

    @Test
    void everyBuiltinResolvesWithTheDaemonsFrameworkConfiguration() throws Exception {
        DaemonOptions options = new DaemonOptions(temp.resolve("root"), temp.resolve("run"), temp.resolve("plugins"), Duration.ofSeconds(5));
        Daemon daemon = new Daemon(options, temp, System.out, System.err, () -> 0);
        List<BuiltinJar> jars = BuiltinSet.resolve(BuiltinsFolderTest.assembledBundles(), Builtins.SYMBOLIC_NAMES);

        Framework framework = new Felix(daemon.frameworkProperties());
        framework.init();
        try {
            List<Bundle> bundles = new ArrayList<>();
            for (BuiltinJar jar : jars) {
                bundles.add(framework.getBundleContext().installBundle(jar.jar().toUri().toString()));
            }
            boolean all = framework.adapt(FrameworkWiring.class).resolveBundles(bundles);

            List<String> unresolved = new ArrayList<>();
            for (Bundle bundle : bundles) {
                if (bundle.getState() != Bundle.RESOLVED) {
                    unresolved.add(bundle.getSymbolicName() + ": " + whyUnresolved(bundle));
                }
            }
            assertTrue(all && unresolved.isEmpty(), "unresolved built-ins:\n" + String.join("\n", unresolved));
            assertEquals(Builtins.SYMBOLIC_NAMES, bundles.stream().map(Bundle::getSymbolicName).toList());
        } finally {
            framework.stop();
            framework.waitForStop(10_000);
        }
    }

    /** Felix's message naming the missing requirement; starting an unresolvable bundle runs none of its code. */
    private static String whyUnresolved(Bundle bundle) {
        try {
            bundle.start(Bundle.START_TRANSIENT);
            return "resolved only when started";
        } catch (BundleException e) {
            return e.getMessage();
        }
    }
}
