package dev.berth.plugin.spec.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Checks before the runtime does that a container's command exists in its rootfs and is an executable
 * file: a name without {@code /} is looked up along the container's PATH like Go's
 * {@code exec.LookPath}, a path with {@code /} is taken relative to the working directory. Every lookup
 * goes through {@link RootfsResolver}, so links resolve inside the rootfs. Thread-safe.
 */
final class CommandFinder {
    private static final Set<PosixFilePermission> EXECUTE = Set.of(PosixFilePermission.OWNER_EXECUTE,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);

    private final RootfsResolver resolver;

    CommandFinder(RootfsResolver resolver) {
        this.resolver = resolver;
    }

    /** What one candidate path is. */
    private enum Kind { MISSING, DIRECTORY, NOT_EXECUTABLE, EXECUTABLE }

    /** A candidate as the container names it, where it resolved to, and what it is. */
    private record Candidate(String path, String resolved, Kind kind) {
        String describe() {
            String where = resolved.equals(path) ? path : path + " (resolved inside the rootfs to " + resolved + ")";
            return where + (kind == Kind.DIRECTORY ? " is a directory" : " is not an executable file");
        }
    }

    /**
     * Returns the container path {@code command} runs from; throws INVALID when it is missing, a
     * directory or not executable. {@code pathVariable} is the container's PATH, {@code cwd} its absolute
     * working directory.
     */
    String find(String command, String pathVariable, String cwd) throws BerthException {
        if (command.contains("/")) {
            Candidate candidate = inspect(ContainerPaths.clean(cwd, command), command);
            return switch (candidate.kind()) {
                case EXECUTABLE -> candidate.path();
                case MISSING -> throw new BerthException(ErrorKind.INVALID, "exec: \"" + command + "\": stat "
                        + command + ": no such file or directory");
                default -> throw new BerthException(ErrorKind.INVALID, "exec: \"" + command + "\": "
                        + candidate.describe());
            };
        }
        Candidate unusable = null;
        for (String dir : pathVariable.split(":", -1)) {
            String full = ContainerPaths.clean(cwd, (dir.isEmpty() ? "." : dir) + "/" + command);
            Candidate candidate = inspect(full, command);
            if (candidate.kind() == Kind.EXECUTABLE) {
                return candidate.path();
            }
            if (candidate.kind() != Kind.MISSING && unusable == null) {
                unusable = candidate;
            }
        }
        String notFound = "exec: \"" + command + "\": executable file not found in $PATH";
        throw new BerthException(ErrorKind.INVALID, unusable == null ? notFound
                : notFound + " (" + unusable.describe() + ")");
    }

    private Candidate inspect(String containerPath, String command) throws BerthException {
        try {
            Path host = resolver.resolve(containerPath);
            String resolved = resolver.containerPath(host);
            PosixFileAttributes attributes;
            try {
                attributes = Files.readAttributes(host, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return new Candidate(containerPath, resolved, Kind.MISSING);
            }
            if (attributes.isDirectory()) {
                return new Candidate(containerPath, resolved, Kind.DIRECTORY);
            }
            boolean executable = attributes.isRegularFile()
                    && attributes.permissions().stream().anyMatch(EXECUTE::contains);
            return new Candidate(containerPath, resolved, executable ? Kind.EXECUTABLE : Kind.NOT_EXECUTABLE);
        } catch (FileSystemLoopException e) {
            throw new BerthException(ErrorKind.INVALID, "exec: \"" + command + "\": " + containerPath
                    + ": too many levels of symbolic links", e);
        } catch (IOException e) {
            // A component that is a file where a directory should be reads as missing, as for the kernel.
            if (e.getMessage() != null && e.getMessage().contains("Not a directory")) {
                return new Candidate(containerPath, containerPath, Kind.MISSING);
            }
            throw new BerthException(ErrorKind.UNAVAILABLE, "exec: \"" + command + "\": look at " + containerPath
                    + " in the rootfs: " + e, e);
        }
    }
}
