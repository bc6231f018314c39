package dev.berth.apiserver.access;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;

/**
 * Restricts an API socket to root and the {@value #GROUP} group: whoever can write to it is root on this
 * machine (the engine runs containers as root). Stateless.
 */
public final class SocketAccess {
    /** The group that may use the API sockets besides root, when it exists (Docker's docker group). */
    public static final String GROUP = "berth";

    private SocketAccess() {
    }

    /** Makes {@code socket} mode 0660, its group {@value #GROUP} when that group exists (root's otherwise). */
    public static void restrict(Path socket) throws IOException {
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        GroupPrincipal group;
        try {
            group = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(GROUP);
        } catch (UserPrincipalNotFoundException e) {
            return; // no such group here: root only
        }
        Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(group);
    }
}
