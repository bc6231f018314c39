package dev.berth.plugin.expand.impl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Creates device nodes, sets extended attributes and directory flags the JDK cannot, by running the host's
 * {@code mknod} (coreutils), {@code setfattr} (attr) and {@code chattr} (e2fsprogs); stateless and thread-safe.
 *
 * <p>Arguments are passed as an argument vector, never through a shell, and paths are always absolute,
 * so no name from a layer can be read as an option or as shell syntax.
 *
 * <p>Each tool is looked up in {@code PATH} once and then run by its absolute path: given a bare name, the
 * process launcher tries every {@code PATH} directory with its own execve, and most of those fail (a layer's
 * device nodes cost four failed execve each on a Debian host).
 */
final class HostTools {

    /** Absolute paths of the tools found so far, by name; shared, since PATH is the process's own. */
    private static final Map<String, String> RESOLVED = new ConcurrentHashMap<>();

    /** The kind of node {@link #mknod} creates, with its mknod(1) type letter. */
    enum NodeType {
        CHAR("c"), BLOCK("b"), FIFO("p");

        final String letter;

        NodeType(String letter) {
            this.letter = letter;
        }
    }

    /** Creates a node at {@code path} with permission bits {@code mode}; majors and minors are ignored for fifos. */
    void mknod(Path path, NodeType type, int mode, long major, long minor) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("mknod", "-m", Integer.toOctalString(mode & 07777),
                requireAbsolute(path).toString(), type.letter));
        if (type != NodeType.FIFO) {
            cmd.add(Long.toString(major));
            cmd.add(Long.toString(minor));
        }
        run(cmd);
    }

    /**
     * Sets xattr {@code name} on {@code path} to the raw bytes {@code value}, without following a
     * symlink at {@code path}. Values travel base64-encoded ({@code 0s...}), so any bytes survive.
     */
    void setXattr(Path path, String name, byte[] value) throws IOException {
        run(List.of("setfattr", "-h", "-n", name, "-v", "0s" + Base64.getEncoder().encodeToString(value),
                requireAbsolute(path).toString()));
    }

    /**
     * Sets access and modification time of {@code path} to {@code time} without opening it or following
     * a symlink ({@code touch -h}, which calls utimensat).
     */
    void touch(Path path, FileTime time) throws IOException {
        Instant t = time.toInstant();
        run(List.of("touch", "-h", "-c", "-d", "@" + t.getEpochSecond() + "." + String.format("%09d", t.getNano()),
                requireAbsolute(path).toString()));
    }

    /**
     * Marks directory {@code dir} as the top of directory hierarchies for the Orlov block allocator of ext2, ext3
     * and ext4 ({@code chattr +T}, e2fsprogs): each directory later made in it starts in a block group of its own
     * choosing instead of its parent's.
     */
    void markTopDirectory(Path dir) throws IOException {
        run(List.of("chattr", "+T", requireAbsolute(dir).toString()));
    }

    private static Path requireAbsolute(Path path) {
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("path must be absolute: " + path);
        }
        return path;
    }

    /**
     * The first executable {@code name} on {@code PATH}, as the launcher's own search would find it; the bare
     * name when there is none, so that running it fails with the launcher's usual "Cannot run program" error.
     */
    static String resolve(String name) {
        return find(name).orElse(name);
    }

    /** The first executable {@code name} on {@code PATH}, by its absolute path; empty when there is none. */
    static Optional<String> find(String name) {
        String known = RESOLVED.get(name);
        if (known != null) {
            return Optional.of(known);
        }
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
            if (dir.isEmpty() || !dir.startsWith("/")) {
                continue; // a relative PATH entry would depend on the working directory
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                String found = candidate.toString();
                RESOLVED.put(name, found);
                return Optional.of(found);
            }
        }
        return Optional.empty();
    }

    private static void run(List<String> cmd) throws IOException {
        String tool = cmd.get(0);
        List<String> argv = new ArrayList<>(cmd);
        argv.set(0, resolve(tool));
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
        } catch (IOException e) {
            // The binary may have moved (a package upgrade); look it up again next time.
            RESOLVED.remove(tool);
            throw e;
        }
        p.getOutputStream().close();
        String output;
        try (InputStream in = p.getInputStream()) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            in.transferTo(buf);
            output = buf.toString(StandardCharsets.UTF_8).strip();
        }
        int rc;
        try {
            rc = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(cmd.get(0) + ": interrupted", e);
        }
        if (rc != 0) {
            throw new IOException(cmd.get(0) + " exited " + rc + (output.isEmpty() ? "" : ": " + output));
        }
    }
}
