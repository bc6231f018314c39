package dev.berth.plugin.namespaces.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Test fixture: whether tests run as root, and owners of paths read without following links. */
final class TestTrees {
    private TestTrees() {
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** {@code uid:gid} of {@code path} itself. */
    static String owner(Path path) throws IOException {
        return Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS) + ":"
                + Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }

    static void chown(Path path, int uid, int gid) throws IOException {
        Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    /** The spec text of the contract with root.path set to {@code rootfs}. */
    static String spec(Path rootfs) {
        return dev.berth.api.isolation.IsolationModuleContract.BASE_SPEC.replace("/nonexistent/rootfs",
                rootfs.toString());
    }
}
