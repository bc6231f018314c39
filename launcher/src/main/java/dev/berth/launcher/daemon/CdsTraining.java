package dev.berth.launcher.daemon;

import dev.berth.launcher.daemon.BuiltinSet.BuiltinJar;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.osgi.framework.Bundle;

/**
 * The training start's last step before the JVM writes the daemon's class-data archive (see
 * {@code launcher/src/build/train-daemon-cds.sh}): links the bundle classes that were loaded but never linked.
 *
 * <p>A dynamic archive (JDK 17) takes a class defined by a class loader of its own, such as a bundle's, only if
 * it was linked; unlike the class path's classes, the JVM does not link such classes itself before it dumps.
 * A class the verifier merely loaded to check another one (about 480 in a training start: Jackson's exceptions,
 * Berth's event records, Netty's codecs) was left out, and every start then loaded it from its jar again, to
 * check the archived classes' verification constraints. Asking a class for its declared members links it without
 * initialising it, so no static initialiser runs for the sake of the archive.
 *
 * <p>Which classes: the JVM's own class-load log ({@code -Xlog:class+load=info:file=LOG::none}), whose lines
 * name each class and where it came from. Linking verifies, which may load more classes, so the log is read
 * again until a round loads nothing new. Only training starts have {@value #PROPERTY} set.
 */
final class CdsTraining {

    /** System property naming the class-load log of this JVM; set only by the training start. */
    static final String PROPERTY = "berth.cds.training.classlog";

    private static final String SOURCE = " source: ";
    private static final int MAX_ROUNDS = 5;

    private final Path log;

    /** The step for the JVM whose class-load log is {@code log}; {@link #fromProperties()} outside tests. */
    CdsTraining(Path log) {
        this.log = log;
    }

    /** The training step, if this JVM is a training start. */
    static Optional<CdsTraining> fromProperties() {
        String log = System.getProperty(PROPERTY);
        return log == null || log.isBlank() ? Optional.empty() : Optional.of(new CdsTraining(Path.of(log)));
    }

    /**
     * Links every class the log shows loaded from one of {@code jars} by its bundle in {@code installed} (same
     * order); reports the count on {@code err}. Never throws: a class that cannot be linked stays out of the
     * archive, as before.
     */
    int linkLoadedClasses(List<Bundle> installed, List<BuiltinJar> jars, PrintStream err) {
        Map<Path, Bundle> byJar = new HashMap<>();
        for (int i = 0; i < jars.size() && i < installed.size(); i++) {
            byJar.put(jars.get(i).jar().toAbsolutePath().normalize(), installed.get(i));
        }
        Set<String> seen = new HashSet<>();
        int linked = 0;
        int failed = 0;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            List<String> lines;
            try {
                lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("berth daemon: CDS training: cannot read the class-load log " + log + ": " + e.getMessage());
                return linked;
            }
            int before = seen.size();
            for (String line : lines) {
                LoadedClass loaded = LoadedClass.parse(line);
                if (loaded == null || !seen.add(loaded.name())) {
                    continue;
                }
                Bundle bundle = byJar.get(loaded.jar());
                if (bundle == null) {
                    continue;
                }
                try {
                    link(bundle.loadClass(loaded.name()));
                    linked++;
                } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
                    failed++;
                }
            }
            if (seen.size() == before) {
                break;
            }
        }
        err.println("berth daemon: CDS training: linked " + linked + " bundle classes for the archive"
                + (failed == 0 ? "" : " (" + failed + " could not be linked)"));
        return linked;
    }

    /**
     * Links {@code type} without initialising it: the JVM links a class before it lists its declared members.
     * An interface is asked for its methods, as {@link Class#getDeclaredConstructors()} answers an interface
     * without asking the JVM.
     */
    private static void link(Class<?> type) {
        if (type.isInterface()) {
            type.getDeclaredMethods();
        } else {
            type.getDeclaredConstructors();
        }
    }

    /** One line of the class-load log: a class and the jar it was read from. */
    record LoadedClass(String name, Path jar) {

        /** The class a {@code -Xlog:class+load} line (no decorations) names, if it came from a jar file. */
        static LoadedClass parse(String line) {
            int at = line.indexOf(SOURCE);
            if (at <= 0) {
                return null;
            }
            String name = line.substring(0, at).trim();
            String source = line.substring(at + SOURCE.length()).trim();
            if (name.isEmpty() || name.indexOf(' ') >= 0 || !source.startsWith("file:") || !source.endsWith(".jar")) {
                return null;
            }
            try {
                return new LoadedClass(name, Path.of(new URI(source)).toAbsolutePath().normalize());
            } catch (URISyntaxException | IllegalArgumentException e) {
                return null;
            }
        }
    }
}
