package dev.berth.itests.plugins;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemPackage;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import dev.berth.api.plugin.PluginProperties;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.ops4j.pax.exam.Option;

/**
 * The Pax Exam options that boot the real built-in bundle set (every jar of the built distribution's
 * bundles/ folder) on Felix, for {@code dev.berth.itests.BundleSetIT} and {@link PluginJarsIT}, with a fresh
 * state root per configuration.
 */
public final class BuiltInBundleSet {
    private BuiltInBundleSet() {
    }

    /** The built distribution, from the {@code berth.home} system property failsafe sets. */
    static Path home() {
        return Path.of(System.getProperty("berth.home", "../launcher/target/berth"));
    }

    /** The options: every built-in jar, JUnit, the launcher's system packages and a fresh state root. */
    public static Option[] options() throws IOException {
        Path home = home();
        Path bundles = home.resolve("bundles");
        if (!Files.isDirectory(bundles)) {
            throw new IllegalStateException("no distribution at " + home + ": build the launcher module first");
        }
        Path state = Files.createTempDirectory("berth-paxexam-");
        List<Option> options = new ArrayList<>();
        try (Stream<Path> jars = Files.list(bundles)) {
            jars.filter(p -> p.toString().endsWith(".jar")).sorted()
                    .forEach(jar -> options.add(bundle(jar.toUri().toString())));
        }
        options.add(junitBundles());
        // The same JDK-internal packages the launcher exports from the system bundle.
        options.add(systemPackage("sun.misc"));
        options.add(systemPackage("sun.nio.ch"));
        options.add(frameworkProperty(PluginProperties.ROOT_PROPERTY).value(state.resolve("root").toString()));
        options.add(frameworkProperty(PluginProperties.RUN_PROPERTY).value(state.resolve("run").toString()));
        options.add(frameworkProperty(PluginProperties.VERSION_PROPERTY).value("itest"));
        options.add(frameworkProperty("felix.fileinstall.dir").value(state.resolve("plugins").toString()));
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        String local = System.getProperty("user.home") + File.separator + ".m2" + File.separator + "repository";
        options.add(systemProperty("org.ops4j.pax.url.mvn.localRepository").value(local));
        return options.toArray(new Option[0]);
    }
}
