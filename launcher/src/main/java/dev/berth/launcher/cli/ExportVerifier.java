package dev.berth.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.launcher.LauncherHome;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks an exported event-log file on this machine, without a daemon: loads the distribution's own event
 * log and API bundles as plain jars (no OSGi framework) and runs the log's verifier on the file, so the
 * check an auditor runs is the very code the engine trusts. Stateless.
 */
final class ExportVerifier {
    private static final String VERIFIER = "dev.berth.eventlog.impl.ExportedFiles";
    private static final List<String> JARS = List.of("berth-api-", "berth-eventlog-");

    private ExportVerifier() {
    }

    /** The verification of {@code file} as JSON: intact, fromSequence, verifiedThrough, head, anchor, headHash, damage. */
    static JsonNode verify(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("verify " + file + ": no such file");
        }
        Path bundles = LauncherHome.locate().resolve("bundles");
        List<URL> urls = new ArrayList<>();
        for (String prefix : JARS) {
            urls.add(find(bundles, prefix).toUri().toURL());
        }
        try (URLClassLoader loader = new URLClassLoader("berth-audit", urls.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader())) {
            Method verify = loader.loadClass(VERIFIER).getMethod("verifyToMap", Path.class);
            Object result = verify.invoke(null, file);
            return new ObjectMapper().valueToTree((Map<?, ?>) result);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new IOException("verify " + file + ": " + cause.getMessage(), cause);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IOException("verify " + file + ": the event log bundle in " + bundles + " has no usable "
                    + VERIFIER + ": " + e, e);
        }
    }

    private static Path find(Path bundles, String prefix) throws IOException {
        if (Files.isDirectory(bundles)) {
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(bundles, prefix + "*.jar")) {
                for (Path jar : jars) {
                    return jar;
                }
            }
        }
        throw new IOException("verify: no " + prefix + "*.jar in " + bundles + " (is BERTH_HOME a Berth distribution?)");
    }
}
