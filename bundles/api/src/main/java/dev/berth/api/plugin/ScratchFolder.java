package dev.berth.api.plugin;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A plugin's scratch folder for work that must leave nothing behind, such as a warm-up
 * ({@link PluginProperties#WARM_UP}): made fresh under a parent (usually the run folder,
 * {@link PluginProperties#runFolder}) with a name prefix of the plugin's own, and deleted when the work is
 * done. A daemon killed during that work leaves its folder behind, so making a new one first deletes every
 * folder in the parent whose name starts with the prefix: one daemon uses a run folder, so those are its own.
 * Stateless.
 */
public final class ScratchFolder {
    private ScratchFolder() {
    }

    /**
     * Deletes what earlier calls with {@code prefix} left in {@code parent}, then makes a new empty folder there
     * named {@code prefix} and a random suffix.
     */
    public static Path fresh(Path parent, String prefix) throws IOException {
        deleteLeftovers(parent, prefix);
        return Files.createTempDirectory(parent, prefix);
    }

    /** Deletes every entry of {@code parent} whose name starts with {@code prefix}; other entries are left alone. */
    public static void deleteLeftovers(Path parent, String prefix) throws IOException {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(parent,
                entry -> entry.getFileName().toString().startsWith(prefix))) {
            for (Path leftover : leftovers) {
                delete(leftover);
            }
        }
    }

    /**
     * Deletes {@code tree} and everything under it, following no symbolic link (a link is deleted, never what it
     * points to); does nothing when {@code tree} does not exist, and skips files that vanish meanwhile.
     */
    public static void delete(Path tree) throws IOException {
        if (!Files.exists(tree, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(tree, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
