package dev.berth.plugin.mount.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the opaque directories of a layer snapshot: those with xattr {@code trusted.overlay.opaque=y},
 * which hide everything the layers below hold at that path. Java cannot read {@code trusted.*}
 * attributes, so one {@code getfattr} run walks the whole layer (never following links). Stateless and
 * thread-safe.
 *
 * <p>Known limit: getfattr prints names as raw bytes, read here as UTF-8; a name that is not valid
 * UTF-8 is not matched, so such a directory would not be treated as opaque.
 */
final class OpaqueDirs {
    static final String XATTR = "trusted.overlay.opaque";
    /** Marks of overlayfs features that put a path's content elsewhere than at that path in upper. */
    private static final List<String> FOREIGN = List.of("trusted.overlay.redirect", "trusted.overlay.metacopy");
    private static final String FILE_PREFIX = "# file: ";
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private OpaqueDirs() {
    }

    /** The opaque directories of {@code layer} (absolute), as paths relative to it; the root is excluded. */
    static Set<Path> find(Path layer) throws IOException {
        HostCommands.Result result = HostCommands.check(List.of("getfattr", "--recursive", "--physical",
                "--no-dereference", "--absolute-names", "--dump", "--match=^trusted\\.overlay\\.opaque$",
                layer.toString()), TIMEOUT);
        return parse(layer, new String(result.stdout(), StandardCharsets.ISO_8859_1));
    }

    /**
     * The opaque directories of a container's {@code upper} directory (absolute), relative to it. Fails if
     * a path there carries a redirect or metacopy mark: with those overlayfs features a directory's or
     * file's content lives elsewhere, so reading {@code upper} would give a wrong diff. The mount stage
     * mounts without them, but a kernel or an earlier engine might have set them.
     */
    static Set<Path> findInUpper(Path upper) throws IOException {
        HostCommands.Result result = HostCommands.check(List.of("getfattr", "--recursive", "--physical",
                "--no-dereference", "--absolute-names", "--dump",
                "--match=^trusted\\.overlay\\.(opaque|redirect|metacopy)$", upper.toString()), TIMEOUT);
        String dump = new String(result.stdout(), StandardCharsets.ISO_8859_1);
        Path file = null;
        for (String line : dump.split("\n")) {
            if (line.startsWith(FILE_PREFIX)) {
                file = Path.of(MountTable.decode(line.substring(FILE_PREFIX.length())));
            } else if (file != null && FOREIGN.stream().anyMatch(line::startsWith)) {
                throw new IOException(file + " carries the overlayfs mark " + line.split("=", 2)[0]
                        + " (redirect_dir or metacopy was on); such a read-write layer cannot be diffed");
            }
        }
        return parse(upper, dump);
    }

    /** The opaque directories in getfattr {@code --dump} output (bytes read as ISO-8859-1) for {@code layer}. */
    static Set<Path> parse(Path layer, String dump) {
        Set<Path> opaque = new HashSet<>();
        Path file = null;
        for (String line : dump.split("\n")) {
            if (line.startsWith(FILE_PREFIX)) {
                file = Path.of(MountTable.decode(line.substring(FILE_PREFIX.length())));
            } else if (file != null && line.equals(XATTR + "=\"y\"") && file.startsWith(layer)
                    && !file.equals(layer)) {
                opaque.add(layer.relativize(file));
            }
        }
        return opaque;
    }
}
