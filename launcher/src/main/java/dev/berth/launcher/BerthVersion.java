package dev.berth.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Reads the Berth release version that the build wrote into {@code version.properties}. Thread-safe. */
public final class BerthVersion {

    /** The version of the HTTP API this client speaks. */
    public static final String API_VERSION = "1";

    private static final String VERSION = load();

    private BerthVersion() {
    }

    /** The release version of this launcher, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = BerthVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("read launcher version: version.properties is missing from the launcher jar");
            }
            Properties properties = new Properties();
            properties.load(in);
            String version = properties.getProperty("version");
            if (version == null || version.isBlank() || version.startsWith("${")) {
                throw new IllegalStateException("read launcher version: version.properties was not filtered by the build");
            }
            return version.trim();
        } catch (IOException e) {
            throw new UncheckedIOException("read launcher version", e);
        }
    }
}
