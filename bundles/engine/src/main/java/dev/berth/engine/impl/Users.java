package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Set;

/**
 * Resolves {@code berth exec -u NAME[:GROUP]} to {@code uid:gid} from the container's own /etc/passwd and
 * /etc/group. Reads them only as regular files inside the root filesystem, never through a symbolic link
 * (which could point at the host's files). Stateless.
 */
final class Users {
    private static final int MAX_BYTES = 4 * 1024 * 1024;

    private Users() {
    }

    static String resolve(Path rootfs, String user) throws BerthException {
        String[] parts = user.split(":", 2);
        String uid = parts[0].matches("\\d+") ? parts[0] : field(rootfs, "passwd", parts[0], 2, user);
        String gid;
        if (parts.length == 2) {
            gid = parts[1].matches("\\d+") ? parts[1] : field(rootfs, "group", parts[1], 2, user);
        } else {
            gid = parts[0].matches("\\d+") ? "0" : field(rootfs, "passwd", parts[0], 3, user);
        }
        return uid + ":" + gid;
    }

    private static String field(Path rootfs, String file, String name, int index, String user) throws BerthException {
        for (String line : etcLines(rootfs, file, user)) {
            String[] fields = line.split(":", -1);
            if (fields.length > index && fields[0].equals(name) && fields[index].matches("\\d+")) {
                return fields[index];
            }
        }
        throw new BerthException(ErrorKind.INVALID, "unable to find user " + user + ": no matching entries in " + file
                + " file");
    }

    /**
     * The lines of {@code /etc/<file>} of a running container, read the only safe way: each step opened
     * relative to the one before without following a symbolic link, only a regular file, at most
     * {@link #MAX_BYTES}. The container's processes may change these files at any moment.
     */
    private static List<String> etcLines(Path rootfs, String file, String user) throws BerthException {
        try (DirectoryStream<Path> top = Files.newDirectoryStream(rootfs)) {
            if (!(top instanceof SecureDirectoryStream<Path> root)) {
                throw new BerthException(ErrorKind.UNAVAILABLE, "resolve user " + user
                        + ": this platform cannot open files without following links");
            }
            try (SecureDirectoryStream<Path> etc = root.newDirectoryStream(Path.of("etc"), LinkOption.NOFOLLOW_LINKS)) {
                BasicFileAttributes attributes = etc.getFileAttributeView(Path.of(file), BasicFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS).readAttributes();
                if (!attributes.isRegularFile()) {
                    throw new BerthException(ErrorKind.INVALID, "unable to find user " + user + ": /etc/" + file
                            + " in the container is not a regular file");
                }
                try (SeekableByteChannel channel = etc.newByteChannel(Path.of(file),
                        Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
                    ByteBuffer buffer = ByteBuffer.allocate(MAX_BYTES + 1);
                    while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                        // fill up to the cap
                    }
                    if (buffer.position() > MAX_BYTES) {
                        throw new BerthException(ErrorKind.INVALID, "unable to find user " + user + ": /etc/" + file
                                + " in the container is larger than " + MAX_BYTES + " bytes");
                    }
                    return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).lines().toList();
                }
            }
        } catch (NoSuchFileException | NotDirectoryException | java.nio.file.FileSystemLoopException e) {
            throw new BerthException(ErrorKind.INVALID, "unable to find user " + user + ": no /etc/" + file
                    + " file in the container", e);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INVALID, "unable to find user " + user + ": read /etc/" + file
                    + " of the container: " + e.getMessage(), e);
        }
    }
}
