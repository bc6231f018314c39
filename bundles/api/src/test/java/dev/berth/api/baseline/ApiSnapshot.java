package dev.berth.api.baseline;

import aQute.bnd.differ.DiffPluginImpl;
import aQute.bnd.header.Attrs;
import aQute.bnd.header.Parameters;
import aQute.bnd.osgi.Analyzer;
import aQute.bnd.osgi.Clazz;
import aQute.bnd.osgi.Constants;
import aQute.bnd.osgi.Descriptors.TypeRef;
import aQute.bnd.osgi.Jar;
import aQute.bnd.service.diff.Delta;
import aQute.bnd.service.diff.Tree;
import aQute.bnd.service.diff.Type;
import aQute.bnd.version.Version;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The exported API of one bundle as bnd's differ sees it: the {@code <api>} tree of every exported package with
 * its public and protected types and members, each package carrying its export version as a VERSION node. This is
 * what a baseline check compares and what the committed baseline file holds.
 *
 * <p>The bundle's manifest and resources, which bnd's differ also describes, are left out: they change with every
 * build (timestamps, the qualifier) and say nothing about whether importers of a package still work. The export
 * versions come from the bundle's {@code Export-Package} header, which bnd writes from each package's
 * {@code package-info.java} {@code @Version}.
 */
final class ApiSnapshot {
    private static final String API = "<api>";
    private static final String VERSION_ANNOTATION = "org.osgi.annotation.versioning.Version";

    private final Tree tree;

    private ApiSnapshot(Tree tree) {
        if (tree.get(API) == null) {
            throw new IllegalArgumentException("the tree of " + tree.getName() + " has no " + API + " node");
        }
        this.tree = tree;
    }

    /** The API of the bundle in {@code jar}. */
    static ApiSnapshot ofBundle(Path jar) throws Exception {
        try (Jar bundle = new Jar(jar.toFile())) {
            return ofBundle(bundle);
        }
    }

    /** The API of {@code bundle}, which must have an OSGi manifest: without one bnd treats every class as API. */
    static ApiSnapshot ofBundle(Jar bundle) throws Exception {
        String bsn = bundle.getBsn();
        if (bsn == null) {
            throw new IllegalArgumentException(bundle.getName() + " is no OSGi bundle: its manifest has no "
                    + Constants.BUNDLE_SYMBOLICNAME);
        }
        Tree whole;
        try (Analyzer analyzer = new OwnClassesAnalyzer(bundle)) {
            whole = new DiffPluginImpl().tree(analyzer);
        }
        Tree.Data root = new Tree.Data();
        root.type = Type.BUNDLE;
        root.name = bsn;
        root.add = Delta.CHANGED;
        root.rem = Delta.CHANGED;
        root.children = new Tree.Data[] {whole.get(API).serialize()};
        return new ApiSnapshot(new DiffPluginImpl().deserialize(root));
    }

    /**
     * An analyzer that finds only the bundle's own classes. bnd's differ would otherwise load JDK classes from the
     * running JVM, copy their members into the bundle's subclasses (Throwable's methods into BerthException, with
     * JDK-internal annotations such as {@code @IntrinsicCandidate}) and note their class-file level (a
     * {@code CLASS_VERSION Java_25} node when run on JDK 25), so the same API would read differently on another
     * JDK and a refresh there would rewrite the committed baseline. Leaving them out loses nothing the bundle
     * controls: a changed superclass or interface still shows as a changed EXTENDS or IMPLEMENTS node.
     */
    private static final class OwnClassesAnalyzer extends Analyzer {
        OwnClassesAnalyzer(Jar bundle) throws Exception {
            super(bundle);
        }

        @Override
        public Clazz findClass(TypeRef type) {
            return getClassspace().get(type);
        }
    }

    /** Reads a snapshot written by {@link #write}. */
    static ApiSnapshot read(Path file) throws IOException {
        return new ApiSnapshot(ApiTreeText.read(Files.readString(file, StandardCharsets.UTF_8), file.toString()));
    }

    /** Reads a snapshot from {@link #text()}; {@code source} names it in error messages. */
    static ApiSnapshot parse(String text, String source) {
        return new ApiSnapshot(ApiTreeText.read(text, source));
    }

    /** Writes this snapshot to {@code file}, after {@code header} as comment lines, creating its folder. */
    void write(Path file, String header) throws IOException {
        StringBuilder text = new StringBuilder();
        header.lines().forEach(line -> text.append("# ").append(line).append('\n'));
        text.append(text());
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** The snapshot as {@link ApiTreeText}, without a header. */
    String text() {
        return ApiTreeText.write(tree);
    }

    /** The symbolic name of the bundle this API is of. */
    String bsn() {
        return tree.getName();
    }

    /** The whole tree, as bnd's {@link aQute.bnd.differ.Baseline} takes it. */
    Tree tree() {
        return tree;
    }

    /** Each exported package and its export version, by package name; a package without a version maps to empty. */
    Map<String, Optional<Version>> packageVersions() {
        Map<String, Optional<Version>> versions = new TreeMap<>();
        Arrays.stream(tree.get(API).getChildren())
                .filter(node -> node.getType() == Type.PACKAGE)
                .forEach(pkg -> versions.put(pkg.getName(), Arrays.stream(pkg.getChildren())
                        .filter(node -> node.getType() == Type.VERSION)
                        .map(node -> Version.parseVersion(node.getName()))
                        .findFirst()));
        return versions;
    }

    /**
     * Each exported package and the {@code @Version} of its {@code package-info.java}, by package name; a package
     * without one maps to empty. bnd keeps package annotations as ANNOTATED nodes of the package.
     */
    Map<String, Optional<Version>> annotatedVersions() {
        Map<String, Optional<Version>> versions = new TreeMap<>();
        Arrays.stream(tree.get(API).getChildren())
                .filter(node -> node.getType() == Type.PACKAGE)
                .forEach(pkg -> versions.put(pkg.getName(), Arrays.stream(pkg.getChildren())
                        .filter(node -> node.getType() == Type.ANNOTATED && VERSION_ANNOTATION.equals(node.getName()))
                        .flatMap(node -> Arrays.stream(node.getChildren()))
                        .filter(node -> node.getType() == Type.PROPERTY)
                        .map(Tree::getName)
                        .filter(property -> property.startsWith("value='") && property.endsWith("'"))
                        .map(property -> Version.parseVersion(property.substring(7, property.length() - 1)))
                        .findFirst()));
        return versions;
    }

    /** The packages as the {@code Export-Package} clauses bnd's Baseline reads their versions from. */
    Parameters exports() {
        Parameters exports = new Parameters();
        packageVersions().forEach((pkg, version) -> {
            Attrs attrs = new Attrs();
            version.ifPresent(v -> attrs.put(Constants.VERSION_ATTRIBUTE, v.toString()));
            exports.put(pkg, attrs);
        });
        return exports;
    }
}
