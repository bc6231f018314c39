package dev.berth.api.baseline;

import aQute.bnd.osgi.Builder;
import aQute.bnd.osgi.Jar;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;

/**
 * A small bundle built in a test the way berth-api is built: Java sources compiled with javac, then packaged by
 * bnd, which exports each package whose {@code package-info.java} carries {@code @Export} at its {@code @Version}.
 * The baseline tests build two versions of one fixture API this way and compare them, so they check bnd's real
 * reading of class files rather than hand-made trees.
 */
final class FixtureBundle {
    static final String BSN = "fixture.api";

    private final Map<String, String> sources = new LinkedHashMap<>();

    /** Adds or replaces the source of {@code path}, e.g. {@code fixture/stage/Stage.java}. */
    FixtureBundle source(String path, String text) {
        sources.put(path, text);
        return this;
    }

    /** A copy to change into the next version of the API. */
    FixtureBundle copy() {
        FixtureBundle copy = new FixtureBundle();
        copy.sources.putAll(sources);
        return copy;
    }

    /** Leaves out the source of {@code path}. */
    FixtureBundle without(String path) {
        sources.remove(path);
        return this;
    }

    /** Compiles the sources in a folder under {@code work} and reads the API of the bundle bnd builds from them. */
    ApiSnapshot api(Path work) throws Exception {
        Path src = Files.createTempDirectory(work, "src");
        Path classes = Files.createTempDirectory(work, "classes");
        List<File> files = new ArrayList<>();
        for (Map.Entry<String, String> source : sources.entrySet()) {
            Path file = src.resolve(source.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, source.getValue(), StandardCharsets.UTF_8);
            files.add(file.toFile());
        }
        compile(files, classes);
        try (Builder builder = new Builder()) {
            builder.setProperty("Bundle-SymbolicName", BSN);
            builder.setProperty("Bundle-Version", "0.1.0"); // like berth-api: a package without @Version gets it
            builder.setProperty("-includepackage", "fixture.*");
            builder.addClasspath(classes.toFile());
            Jar bundle = builder.build();
            if (!builder.isOk()) {
                throw new IllegalStateException("bnd could not build the fixture bundle: " + builder.getErrors());
            }
            return ApiSnapshot.ofBundle(bundle);
        }
    }

    private static void compile(List<File> files, Path classes) throws IOException, URISyntaxException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("the fixture bundles need javac: run the tests on a JDK, not a JRE");
        }
        String annotations = jarOf(Version.class) + File.pathSeparator + jarOf(Export.class);
        StringWriter diagnostics = new StringWriter();
        try (StandardJavaFileManager fileManager = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            Iterable<? extends JavaFileObject> units = fileManager.getJavaFileObjectsFromFiles(files);
            List<String> options = List.of("--release", "17", "-classpath", annotations, "-d", classes.toString());
            if (!javac.getTask(diagnostics, fileManager, null, options, null, units).call()) {
                throw new IllegalStateException("the fixture sources do not compile:\n" + diagnostics);
            }
        }
    }

    /** The jar or folder {@code type} was loaded from: the OSGi annotation jars on the test classpath. */
    private static String jarOf(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
