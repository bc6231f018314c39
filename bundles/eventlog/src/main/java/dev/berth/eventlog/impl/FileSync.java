package dev.berth.eventlog.impl;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The fsync and clean-up steps that make export and archive files appear whole or not at all. Stateless. */
final class FileSync {
    private static final System.Logger LOG = System.getLogger(FileSync.class.getName());

    private FileSync() {
    }

    /** Makes the entries of {@code dir} (a create, rename or delete in it) durable. */
    static void directory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            throw new IOException("fsync directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Removes a temporary file after a failure; a failure to remove it is logged, not thrown over the first. */
    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove temporary file " + file, e);
        }
    }
}
