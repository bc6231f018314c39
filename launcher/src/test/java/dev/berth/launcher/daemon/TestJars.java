package dev.berth.launcher.daemon;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Writes minimal jars with a chosen manifest for tests. */
final class TestJars {

    private TestJars() {
    }

    /** A jar whose manifest names {@code symbolicName} (with a directive, as bnd writes it); null for none. */
    static Path bundle(Path folder, String fileName, String symbolicName) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (symbolicName != null) {
            manifest.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
            manifest.getMainAttributes().putValue("Bundle-SymbolicName", symbolicName + ";singleton:=true");
            manifest.getMainAttributes().putValue("Bundle-Version", "1.2.3");
        }
        Path jar = folder.resolve(fileName);
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.flush();
        }
        return jar;
    }

    /**
     * A bundle jar with extra manifest headers and the class files of {@code classes} copied from the test class
     * path (top-level classes without nested ones).
     */
    static Path bundle(Path folder, String fileName, String symbolicName, Map<String, String> headers,
            Class<?>... classes) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", symbolicName);
        main.putValue("Bundle-Version", "1.2.3");
        headers.forEach(main::putValue);
        Path jar = folder.resolve(fileName);
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (Class<?> type : classes) {
                String resource = type.getName().replace('.', '/') + ".class";
                try (InputStream in = type.getClassLoader().getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new IOException("class file " + resource + " not found on the test class path");
                    }
                    out.putNextEntry(new JarEntry(resource));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        return jar;
    }
}
