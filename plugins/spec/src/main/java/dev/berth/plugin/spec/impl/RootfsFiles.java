package dev.berth.plugin.spec.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * Reads small text files of the image ({@code /etc/passwd}, {@code /etc/group}) through
 * {@link RootfsResolver}, so a link in the image can never make the engine read a host file. A missing
 * file, or one that is not a regular file (a directory, a FIFO that would block), reads as absent; the
 * final component is opened without following links. Thread-safe.
 */
final class RootfsFiles {
    /** Larger files are refused: a passwd file this big is an attack, not a user list. */
    static final long MAX_BYTES = 4L << 20;

    private final RootfsResolver resolver;

    RootfsFiles(RootfsResolver resolver) {
        this.resolver = resolver;
    }

    /** The text of {@code containerPath} in the rootfs, or empty when absent or not a regular file. */
    Optional<String> read(String containerPath) throws BerthException {
        try {
            Path file = resolver.resolve(containerPath);
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
            if (!attributes.isRegularFile()) {
                return Optional.empty();
            }
            if (attributes.size() > MAX_BYTES) {
                throw new BerthException(ErrorKind.INVALID, "read " + containerPath + " in the image: "
                        + attributes.size() + " bytes, more than the " + MAX_BYTES + " allowed");
            }
            try (InputStream in = Channels.newInputStream(Files.newByteChannel(file, StandardOpenOption.READ,
                    LinkOption.NOFOLLOW_LINKS))) {
                byte[] bytes = in.readNBytes((int) MAX_BYTES + 1);
                if (bytes.length > MAX_BYTES) {
                    throw new BerthException(ErrorKind.INVALID, "read " + containerPath
                            + " in the image: more than the " + MAX_BYTES + " bytes allowed");
                }
                return Optional.of(new String(bytes, StandardCharsets.UTF_8));
            }
        } catch (FileSystemLoopException e) {
            throw new BerthException(ErrorKind.INVALID, "read " + containerPath
                    + " in the image: too many levels of symbolic links", e);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "read " + containerPath + " in the image: " + e, e);
        }
    }
}
