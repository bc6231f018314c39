package dev.berth.itests.plugins;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.osgi.framework.Version;

/**
 * Writes a small OSGi bundle jar for plugin hot-swap tests: classes compiled in the itests test sources,
 * an explicit manifest and Declarative Services component descriptors generated here. Nothing is
 * analysed: the caller states the Import-Package clauses, so a test can also build deliberately wrong
 * bundles (an SPI range this engine does not export, a package nobody exports).
 *
 * <p>Class bytes are read as the resource {@code X.class} through the class's own loader, so the same
 * code works in the failsafe JVM (the test-classes folder) and inside the Pax Exam probe (which carries
 * a copy of that folder). A listed class brings its nested, inner, local and anonymous classes along
 * (its nest members whose binary names start with {@code X$}).
 *
 * <p>The output is deterministic: entries are sorted after the manifest and all carry one fixed time,
 * so the same inputs always give the same bytes (and two builds differ only where their inputs do).
 * Not thread-safe; a builder writes any number of jars.
 */
public final class PluginJar {
    /** The DS namespace of generated descriptors: 1.4 is the first with constructor injection. */
    public static final String SCR_NAMESPACE = "http://www.osgi.org/xmlns/scr/v1.4.0";
    /** The time every entry carries, as a local date-time so the DOS timestamp does not depend on the zone. */
    static final LocalDateTime ENTRY_TIME = LocalDateTime.of(2000, 1, 1, 0, 0);

    private static final String MANIFEST = "META-INF/MANIFEST.MF";
    private static final Set<String> ACTIVATION_OBJECTS = Set.of("org.osgi.service.component.ComponentContext",
            "org.osgi.framework.BundleContext", "java.util.Map");

    private final String symbolicName;
    private final String version;
    private String name;
    private String kind = "stage";
    private final List<String> imports = new ArrayList<>();
    private final Map<String, String> extraHeaders = new LinkedHashMap<>();
    private final Set<Class<?>> classes = new LinkedHashSet<>();
    private final List<Component> components = new ArrayList<>();

    private PluginJar(String symbolicName, String version) {
        this.symbolicName = Objects.requireNonNull(symbolicName, "symbolicName");
        this.version = Version.parseVersion(version).toString();
        this.name = symbolicName;
    }

    /** A bundle {@code symbolicName} at {@code version} (an OSGi version), of kind {@code stage}. */
    public static PluginJar bundle(String symbolicName, String version) {
        return new PluginJar(symbolicName, version);
    }

    /** Sets Bundle-Name (default: the symbolic name). */
    public PluginJar name(String bundleName) {
        this.name = Objects.requireNonNull(bundleName, "bundleName");
        return this;
    }

    /** Sets the {@code Berth-Kind} header (default {@code stage}); null leaves the header out. */
    public PluginJar kind(String berthKind) {
        this.kind = berthKind;
        return this;
    }

    /** Adds Import-Package clauses as written, e.g. {@code dev.berth.api.stage;version="[1.1,2)"}. */
    public PluginJar importPackage(String... clauses) {
        imports.addAll(Arrays.asList(clauses));
        return this;
    }

    /** Adds any other main manifest header. */
    public PluginJar header(String header, String value) {
        extraHeaders.put(header, value);
        return this;
    }

    /** Packs these compiled classes (and their nested classes) into the bundle. */
    public PluginJar classes(Class<?>... types) {
        classes.addAll(Arrays.asList(types));
        return this;
    }

    /** Adds a DS component; its class is packed too. */
    public PluginJar component(Component component) {
        components.add(component);
        classes.add(component.implementation);
        return this;
    }

    /** Writes the jar to {@code jar} (replacing it), creating parent folders; returns {@code jar}. */
    public Path writeTo(Path jar) throws IOException {
        Map<String, byte[]> entries = new TreeMap<>();
        for (Class<?> type : classes) {
            for (Class<?> packed : withNested(type)) {
                String path = packed.getName().replace('.', '/') + ".class";
                entries.put(path, classBytes(packed, path));
            }
        }
        List<String> descriptors = new ArrayList<>();
        for (Component component : components) {
            String path = "OSGI-INF/" + component.name + ".xml";
            if (entries.put(path, component.xml().getBytes(StandardCharsets.UTF_8)) != null) {
                throw new IllegalStateException("two components named " + component.name + " in " + symbolicName);
            }
            descriptors.add(path);
        }
        Set<String> folders = new TreeSet<>();
        for (String path : entries.keySet()) {
            for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
                folders.add(path.substring(0, slash + 1));
            }
        }
        folders.remove("META-INF/");
        folders.forEach(folder -> entries.put(folder, null)); // a folder sorts just before its content

        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", symbolicName);
        main.putValue("Bundle-Version", version);
        main.putValue("Bundle-Name", name);
        if (kind != null) {
            main.putValue("Berth-Kind", kind);
        }
        if (!imports.isEmpty()) {
            main.putValue("Import-Package", String.join(",", imports));
        }
        if (!descriptors.isEmpty()) {
            main.putValue("Service-Component", String.join(",", descriptors));
        }
        extraHeaders.forEach(main::putValue);
        ByteArrayOutputStream manifestBytes = new ByteArrayOutputStream();
        manifest.write(manifestBytes);

        if (jar.getParent() != null) {
            Files.createDirectories(jar.getParent());
        }
        try (OutputStream file = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(file)) {
            // The manifest comes first (after its folder), where JarInputStream and Felix look for it.
            put(zip, "META-INF/", null);
            put(zip, MANIFEST, manifestBytes.toByteArray());
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                put(zip, entry.getKey(), entry.getValue());
            }
        }
        return jar;
    }

    private static void put(ZipOutputStream zip, String path, byte[] content) throws IOException {
        ZipEntry entry = new ZipEntry(path);
        entry.setTimeLocal(ENTRY_TIME);
        zip.putNextEntry(entry);
        if (content != null) {
            zip.write(content);
        }
        zip.closeEntry();
    }

    /** {@code type} and every member of its nest whose binary name is nested under it, by name. */
    private static List<Class<?>> withNested(Class<?> type) {
        Map<String, Class<?>> found = new TreeMap<>();
        found.put(type.getName(), type);
        for (Class<?> member : type.getNestHost().getNestMembers()) {
            if (member.getName().startsWith(type.getName() + "$")) {
                found.put(member.getName(), member);
            }
        }
        return new ArrayList<>(found.values());
    }

    private static byte[] classBytes(Class<?> type, String path) throws IOException {
        ClassLoader loader = type.getClassLoader();
        try (InputStream in = loader == null ? null : loader.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("no class file " + path + " next to " + type.getName()
                        + ": only classes compiled from the itests sources can be packed");
            }
            return in.readAllBytes();
        }
    }

    /**
     * Copies {@code bundleJar} to {@code target} changing only its Bundle-Version to {@code newVersion}.
     * Every other manifest header keeps its exact bytes (line wrapping included), the manifest keeps its
     * place, and every other entry keeps its name, order, time, method and content; only the manifest
     * entry's size and checksum change. Lets a test offer the engine "a newer build" of a real built-in
     * plugin without rebuilding it.
     */
    public static Path reversion(Path bundleJar, Path target, String newVersion) throws IOException {
        String versionText = Version.parseVersion(newVersion).toString();
        if (target.getParent() != null) {
            Files.createDirectories(target.getParent());
        }
        boolean manifestSeen = false;
        try (ZipFile source = new ZipFile(bundleJar.toFile());
                OutputStream file = Files.newOutputStream(target);
                ZipOutputStream zip = new ZipOutputStream(file)) {
            for (Enumeration<? extends ZipEntry> all = source.entries(); all.hasMoreElements();) {
                ZipEntry original = all.nextElement();
                byte[] content;
                try (InputStream in = source.getInputStream(original)) {
                    content = in.readAllBytes();
                }
                ZipEntry copy;
                if (original.getName().equalsIgnoreCase(MANIFEST)) {
                    manifestSeen = true;
                    content = withBundleVersion(content, versionText, bundleJar);
                    copy = new ZipEntry(original.getName());
                    copy.setTime(original.getTime());
                    if (original.getExtra() != null) {
                        copy.setExtra(original.getExtra());
                    }
                    copy.setComment(original.getComment());
                    copy.setMethod(original.getMethod());
                    if (original.getMethod() == ZipEntry.STORED) {
                        CRC32 crc = new CRC32();
                        crc.update(content);
                        copy.setSize(content.length);
                        copy.setCompressedSize(content.length);
                        copy.setCrc(crc.getValue());
                    }
                } else {
                    copy = new ZipEntry(original);
                    if (original.getMethod() == ZipEntry.DEFLATED) {
                        copy.setCompressedSize(-1); // deflated again here, perhaps to other bytes
                    }
                }
                zip.putNextEntry(copy);
                zip.write(content);
                zip.closeEntry();
            }
        }
        if (!manifestSeen) {
            throw new IOException(bundleJar + " has no " + MANIFEST);
        }
        return target;
    }

    /** The manifest with the main section's Bundle-Version header (all its continuation lines) replaced. */
    private static byte[] withBundleVersion(byte[] manifest, String version, Path jar) throws IOException {
        // ISO-8859-1 maps every byte to one char and back, so untouched headers keep their exact bytes even
        // where a 72-byte wrap split a multi-byte UTF-8 character.
        String text = new String(manifest, StandardCharsets.ISO_8859_1);
        String eol = text.contains("\r\n") ? "\r\n" : "\n";
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        boolean replaced = false;
        while (at < text.length()) {
            int end = lineEnd(text, at);
            // A header is its first line plus every following line that starts with a space.
            while (end < text.length() && text.charAt(end) == ' ') {
                end = lineEnd(text, end);
            }
            String header = text.substring(at, end);
            if (header.isBlank()) { // end of the main section: copy the rest as it is
                out.append(text, at, text.length());
                break;
            }
            if (!replaced && header.regionMatches(true, 0, "Bundle-Version:", 0, "Bundle-Version:".length())) {
                out.append(wrap("Bundle-Version: " + version, eol));
                replaced = true;
            } else {
                out.append(header);
            }
            at = end;
        }
        if (!replaced) {
            throw new IOException(jar + ": the manifest has no Bundle-Version header");
        }
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Index just past the line starting at {@code from}, its line break included. */
    private static int lineEnd(String text, int from) {
        int newline = text.indexOf('\n', from);
        return newline < 0 ? text.length() : newline + 1;
    }

    /** One manifest header, wrapped at 72 bytes as the JAR specification demands (ASCII assumed). */
    private static String wrap(String header, String eol) {
        StringBuilder out = new StringBuilder();
        out.append(header, 0, Math.min(72, header.length())).append(eol);
        for (int at = 72; at < header.length(); at += 71) {
            out.append(' ').append(header, at, Math.min(at + 71, header.length())).append(eol);
        }
        return out.toString();
    }

    /**
     * A Declarative Services component: name, implementation class, provided interfaces, String
     * properties, immediate. The implementation needs a public no-argument constructor, or one public
     * constructor taking only activation objects (ComponentContext, BundleContext, Map), which is then
     * used through DS 1.4 constructor injection ({@code init}).
     */
    public static final class Component {
        private final String name;
        private final Class<?> implementation;
        private final List<String> provides = new ArrayList<>();
        private final Map<String, String> properties = new LinkedHashMap<>();
        private boolean immediate = true;

        private Component(String name, Class<?> implementation) {
            this.name = Objects.requireNonNull(name, "name");
            this.implementation = Objects.requireNonNull(implementation, "implementation");
        }

        /** A component named {@code name} implemented by {@code implementation}; immediate by default. */
        public static Component of(String name, Class<?> implementation) {
            return new Component(name, implementation);
        }

        /** Registers the component as a service under these interfaces. */
        public Component provide(Class<?>... interfaces) {
            for (Class<?> type : interfaces) {
                provides.add(type.getName());
            }
            return this;
        }

        /** Adds a String component (and service) property. */
        public Component property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        /** Sets the {@code immediate} attribute (default true). */
        public Component immediate(boolean value) {
            this.immediate = value;
            return this;
        }

        /** The number of constructor parameters DS must pass (the {@code init} attribute). */
        private int constructorParameters() {
            Constructor<?>[] constructors = implementation.getConstructors();
            for (Constructor<?> constructor : constructors) {
                if (constructor.getParameterCount() == 0) {
                    return 0;
                }
            }
            if (constructors.length != 1 || !Modifier.isPublic(implementation.getModifiers())) {
                throw new IllegalArgumentException(implementation.getName()
                        + ": a component needs a public no-argument constructor or exactly one public constructor");
            }
            for (Class<?> parameter : constructors[0].getParameterTypes()) {
                if (!ACTIVATION_OBJECTS.contains(parameter.getName())) {
                    throw new IllegalArgumentException(implementation.getName() + ": constructor parameter "
                            + parameter.getName() + " is not an activation object " + ACTIVATION_OBJECTS);
                }
            }
            return constructors[0].getParameterCount();
        }

        String xml() {
            int init = constructorParameters();
            StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            xml.append("<scr:component xmlns:scr=\"").append(SCR_NAMESPACE).append("\" name=\"")
                    .append(escape(name)).append("\" immediate=\"").append(immediate).append('"');
            if (init > 0) {
                xml.append(" init=\"").append(init).append('"');
            }
            xml.append(">\n");
            properties.forEach((key, value) -> xml.append("  <property name=\"").append(escape(key))
                    .append("\" type=\"String\" value=\"").append(escape(value)).append("\"/>\n"));
            if (!provides.isEmpty()) {
                xml.append("  <service>\n");
                provides.forEach(type -> xml.append("    <provide interface=\"").append(type).append("\"/>\n"));
                xml.append("  </service>\n");
            }
            xml.append("  <implementation class=\"").append(implementation.getName()).append("\"/>\n");
            return xml.append("</scr:component>\n").toString();
        }

        private static String escape(String text) {
            return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
        }
    }
}
