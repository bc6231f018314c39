package dev.berth.launcher;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;

/**
 * Finds the distribution home ({@code bin/}, {@code lib/}, {@code bundles/}, {@code plugins/}): the
 * {@code berth.home} system property set by {@code bin/berth}, else the folder above the launcher jar.
 */
public final class LauncherHome {

    /** System property naming the distribution home. */
    public static final String PROPERTY = "berth.home";

    private LauncherHome() {
    }

    /** The distribution home as an absolute path. */
    public static Path locate() {
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return Path.of(property).toAbsolutePath().normalize();
        }
        CodeSource source = LauncherHome.class.getProtectionDomain().getCodeSource();
        if (source != null) {
            try {
                Path jar = Path.of(source.getLocation().toURI());
                if (Files.isRegularFile(jar) && jar.getParent() != null && jar.getParent().getParent() != null) {
                    return jar.getParent().getParent().toAbsolutePath().normalize();
                }
            } catch (URISyntaxException | IllegalArgumentException e) {
                // Not a file location; fall through to the working directory.
            }
        }
        return Path.of("").toAbsolutePath();
    }
}
