package dev.berth.launcher.daemon;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Matches the jars of {@code <home>/bundles} against the list of built-in symbolic names: every listed bundle
 * must be there exactly once and nothing else may be. Plain Java, no OSGi. Stateless; thread-safe.
 */
public final class BuiltinSet {

    private BuiltinSet() {
    }

    /**
     * One built-in bundle jar.
     *
     * @param symbolicName its Bundle-SymbolicName without directives
     * @param version      its Bundle-Version, or {@code 0.0.0}
     * @param jar          the jar file
     */
    public record BuiltinJar(String symbolicName, String version, Path jar) {
    }

    /**
     * Reads the symbolic name of every jar in {@code bundlesFolder} and returns the listed ones in list order.
     *
     * @throws DaemonException naming every listed bundle that is missing and every jar that is not listed
     */
    public static List<BuiltinJar> resolve(Path bundlesFolder, List<String> symbolicNames) throws DaemonException {
        Map<String, BuiltinJar> found = scan(bundlesFolder);
        List<String> problems = new ArrayList<>();
        Set<String> listed = new HashSet<>(symbolicNames);
        Map<String, BuiltinJar> bySymbolicName = new LinkedHashMap<>();
        for (Map.Entry<String, BuiltinJar> entry : found.entrySet()) {
            BuiltinJar jar = entry.getValue();
            String shown = display(bundlesFolder, jar.jar());
            if (jar.symbolicName() == null || !listed.contains(jar.symbolicName())) {
                problems.add(shown + " is not a built-in; drop plugins into plugins/");
            } else if (bySymbolicName.containsKey(jar.symbolicName())) {
                problems.add(display(bundlesFolder, bySymbolicName.get(jar.symbolicName()).jar()) + " and " + shown
                        + " are both " + jar.symbolicName() + "; keep one");
            } else {
                bySymbolicName.put(jar.symbolicName(), jar);
            }
        }
        List<BuiltinJar> ordered = new ArrayList<>();
        for (String name : symbolicNames) {
            BuiltinJar jar = bySymbolicName.get(name);
            if (jar == null) {
                problems.add("built-in bundle " + name + " is missing from " + bundlesFolder);
            } else {
                ordered.add(jar);
            }
        }
        if (!problems.isEmpty()) {
            throw new DaemonException(String.join("; ", problems));
        }
        return List.copyOf(ordered);
    }

    /**
     * The built-ins with the updates {@code berth plugin update} keeps in {@code updates} ({@code <root>/builtins/
     * <symbolic name>.jar}) in place of the distribution's jar; an update that cannot be read or names
     * another bundle is ignored with a warning, so a bad file there never stops the daemon.
     */
    public static List<BuiltinJar> withUpdates(List<BuiltinJar> jars, Path updates, java.io.PrintStream err) {
        if (!Files.isDirectory(updates)) {
            return jars;
        }
        List<BuiltinJar> chosen = new ArrayList<>();
        for (BuiltinJar jar : jars) {
            Path update = updates.resolve(jar.symbolicName() + ".jar");
            BuiltinJar replacement = null;
            if (Files.isRegularFile(update)) {
                try {
                    replacement = read(updates, update);
                } catch (DaemonException e) {
                    err.println("berth daemon: ignoring update " + update + ": " + e.getMessage());
                }
                if (replacement != null && !jar.symbolicName().equals(replacement.symbolicName())) {
                    err.println("berth daemon: ignoring update " + update + ": it is "
                            + (replacement.symbolicName() == null ? "not a bundle (no Bundle-SymbolicName)"
                            : replacement.symbolicName() + ", not " + jar.symbolicName()));
                    replacement = null;
                }
            }
            if (replacement != null) {
                err.println("berth daemon: " + jar.symbolicName() + " " + replacement.version() + " from " + update
                        + " (updated with berth plugin update) in place of " + jar.version());
            }
            chosen.add(replacement == null ? jar : replacement);
        }
        return List.copyOf(chosen);
    }

    /** Every {@code *.jar} in the folder by file name, with its symbolic name ({@code null} if it has none). */
    public static Map<String, BuiltinJar> scan(Path bundlesFolder) throws DaemonException {
        if (!Files.isDirectory(bundlesFolder)) {
            throw new DaemonException("bundle folder " + bundlesFolder + " is missing; is the distribution complete?");
        }
        Map<String, BuiltinJar> jars = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(bundlesFolder, "*.jar")) {
            for (Path jar : entries) {
                if (Files.isRegularFile(jar)) {
                    jars.put(jar.getFileName().toString(), read(bundlesFolder, jar));
                }
            }
        } catch (IOException e) {
            throw new DaemonException("cannot list bundle folder " + bundlesFolder + ": " + IoErrors.cause(e), e);
        }
        return jars;
    }

    private static BuiltinJar read(Path bundlesFolder, Path jar) throws DaemonException {
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            Manifest manifest = file.getManifest();
            Attributes main = manifest == null ? new Attributes() : manifest.getMainAttributes();
            String symbolicName = main.getValue("Bundle-SymbolicName");
            if (symbolicName != null) {
                int semicolon = symbolicName.indexOf(';');
                symbolicName = (semicolon < 0 ? symbolicName : symbolicName.substring(0, semicolon)).trim();
            }
            String version = main.getValue("Bundle-Version");
            return new BuiltinJar(symbolicName, version == null ? "0.0.0" : version.trim(), jar);
        } catch (IOException e) {
            throw new DaemonException("cannot read " + display(bundlesFolder, jar) + ": " + IoErrors.cause(e), e);
        }
    }

    /** {@code bundles/foo.jar}: how messages name a jar. */
    static String display(Path bundlesFolder, Path jar) {
        Path folderName = bundlesFolder.getFileName();
        return (folderName == null ? "" : folderName + "/") + jar.getFileName();
    }
}
