package dev.berth.launcher.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.launcher.Builtins;
import dev.berth.launcher.daemon.BuiltinSet.BuiltinJar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Checks {@link Builtins} against the bundles folder this build assembled in {@code generate-resources}: every
 * listed symbolic name has a jar, and there is no jar the list does not name.
 */
class BuiltinsFolderTest {

    static Path assembledBundles() {
        String dist = System.getProperty("berth.dist");
        assertNotNull(dist, "system property berth.dist is set by the build (surefire configuration)");
        Path bundles = Path.of(dist, "bundles");
        assertTrue(Files.isDirectory(bundles), bundles + " was not assembled before the tests");
        return bundles;
    }

    @Test
    void listAndAssembledFolderAgree() throws Exception {
        Set<String> inFolder = new TreeSet<>();
        for (BuiltinJar jar : BuiltinSet.scan(assembledBundles()).values()) {
            inFolder.add(String.valueOf(jar.symbolicName()));
        }
        Set<String> listed = new TreeSet<>(Builtins.SYMBOLIC_NAMES);

        Set<String> missing = new TreeSet<>(listed);
        missing.removeAll(inFolder);
        Set<String> extra = new TreeSet<>(inFolder);
        extra.removeAll(listed);
        assertTrue(missing.isEmpty() && extra.isEmpty(),
                "listed but not assembled: " + missing + "; assembled but not listed: " + extra);
        assertEquals(Builtins.SYMBOLIC_NAMES.size(), BuiltinSet.scan(assembledBundles()).size(),
                "one jar per built-in");
    }

    @Test
    void daemonAcceptsTheAssembledFolderInListOrder() throws Exception {
        List<BuiltinJar> jars = BuiltinSet.resolve(assembledBundles(), Builtins.SYMBOLIC_NAMES);
        assertEquals(Builtins.SYMBOLIC_NAMES, jars.stream().map(BuiltinJar::symbolicName).toList());
    }

    @Test
    void listHasNoDuplicatesAndKeepsItsOrderingRules() {
        List<String> names = Builtins.SYMBOLIC_NAMES;
        assertEquals(names.size(), new HashSet<>(names).size(), "duplicates in " + names);
        assertTrue(names.indexOf("org.apache.felix.scr") < names.indexOf("dev.berth.api"));
        assertTrue(names.indexOf("org.osgi.service.component") < names.indexOf("org.apache.felix.scr"));
        assertTrue(names.indexOf("dev.berth.vertx") < names.indexOf("dev.berth.bus"));
        assertTrue(names.indexOf("dev.berth.eventlog") < names.indexOf("dev.berth.engine"));
        assertTrue(names.indexOf("dev.berth.engine") < names.indexOf("dev.berth.apiserver"));
        assertTrue(names.indexOf("dev.berth.engine") < names.indexOf("dev.berth.dockerapi"));
        for (String plugin : names.stream().filter(n -> n.startsWith("dev.berth.plugin.")).toList()) {
            assertTrue(names.indexOf(plugin) < names.indexOf("dev.berth.apiserver"), plugin + " before the API");
            assertTrue(names.indexOf(plugin) < names.indexOf("dev.berth.dockerapi"), plugin + " before the API");
        }
        assertEquals("org.apache.felix.fileinstall", names.get(names.size() - 1), "FileInstall starts last");
        assertEquals(String.join(",", names), Builtins.asProperty());
    }

    @Test
    void excludedArtifactsStayOutOfTheFolder() throws Exception {
        for (String fileName : BuiltinSet.scan(assembledBundles()).keySet()) {
            for (String excluded : List.of("vertx-core", "animal-sniffer", "osgi.annotation", "osgi.core",
                    "org.osgi.namespace", "annotations-", "org.apache.felix.framework")) {
                if (excluded.equals("annotations-") && fileName.startsWith("jackson-annotations")) {
                    continue;
                }
                assertTrue(!fileName.contains(excluded), fileName + " must not be in bundles/");
            }
        }
    }
}
