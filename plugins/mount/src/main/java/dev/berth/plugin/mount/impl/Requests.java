package dev.berth.plugin.mount.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks what callers hand the mount stage before anything is created; stateless and thread-safe.
 * Every rejection is {@link ErrorKind#INVALID} and names the action and the offending value.
 */
final class Requests {
    private static final Pattern CONTAINER_ID = Pattern.compile("[0-9a-f]{64}");

    private Requests() {
    }

    /** Whether {@code name} is a container id: exactly 64 lowercase hex digits. */
    static boolean isContainerId(String name) {
        return name != null && CONTAINER_ID.matcher(name).matches();
    }

    /** Returns {@code id} if it is a container id, else throws naming it. */
    static String containerId(String verb, String id) throws BerthException {
        if (!isContainerId(id)) {
            throw new BerthException(ErrorKind.INVALID, verb + " container " + quote(id)
                    + ": a container id is exactly 64 lowercase hexadecimal digits");
        }
        return id;
    }

    /**
     * The layer directories as normalised absolute paths, bottom first; throws naming the first that is
     * not an absolute path of an existing directory. An empty list is rejected too: a root filesystem
     * needs at least one layer.
     */
    static List<Path> layers(String id, List<String> layers) throws BerthException {
        return layers("mount", id, layers);
    }

    /** Like {@link #layers(String, List)}, with messages starting {@code "<verb> container <id>"}. */
    static List<Path> layers(String verb, String id, List<String> layers) throws BerthException {
        String action = verb + " container " + id;
        if (layers == null || layers.isEmpty()) {
            throw new BerthException(ErrorKind.INVALID, action + ": no layers given; at least one is needed");
        }
        List<Path> paths = new ArrayList<>(layers.size());
        for (String layer : layers) {
            Path path;
            try {
                path = layer == null ? null : Path.of(layer);
            } catch (InvalidPathException e) {
                throw new BerthException(ErrorKind.INVALID, action + ": layer " + quote(layer)
                        + " is not a valid path: " + e.getMessage(), e);
            }
            if (path == null || !path.isAbsolute()) {
                throw new BerthException(ErrorKind.INVALID, action + ": layer " + quote(layer)
                        + " is not an absolute path");
            }
            if (!Files.isDirectory(path)) {
                throw new BerthException(ErrorKind.INVALID, action + ": layer " + quote(layer)
                        + " is not an existing directory");
            }
            paths.add(path.normalize());
        }
        return List.copyOf(paths);
    }

    /**
     * {@code target} if it is an absolute path whose directory exists; throws naming it otherwise.
     * {@code action} starts the message.
     */
    static Path target(String action, Path target) throws BerthException {
        if (target == null) {
            throw new BerthException(ErrorKind.INVALID, action + ": no target file given");
        }
        if (!target.isAbsolute()) {
            throw new BerthException(ErrorKind.INVALID, action + ": target " + quote(target.toString())
                    + " is not an absolute path");
        }
        Path dir = target.getParent();
        if (dir == null || target.getFileName() == null) {
            throw new BerthException(ErrorKind.INVALID, action + ": target " + quote(target.toString())
                    + " names no file");
        }
        if (!Files.isDirectory(dir)) {
            throw new BerthException(ErrorKind.INVALID, action + ": target " + quote(target.toString())
                    + ": its directory " + dir + " does not exist");
        }
        return target;
    }

    /** {@code "value"} with quotes, or {@code null}, for messages. */
    static String quote(String value) {
        return value == null ? "null" : "\"" + value + "\"";
    }
}
