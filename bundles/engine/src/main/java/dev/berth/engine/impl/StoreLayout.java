package dev.berth.engine.impl;

import dev.berth.api.image.Digest;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * Where the image store keeps things under the state root: blobs at {@code content/blobs/<alg>/<hex>},
 * layer snapshots at {@code snapshots/<chain id hex>/fs}; and how the engine deletes a tree there.
 * Immutable.
 */
record StoreLayout(Path root) {

    /** The blob file of {@code digest} ({@code sha256:...}). */
    Path blob(String digest) {
        Digest d = Digest.parse(digest);
        return root.resolve("content/blobs").resolve(d.algorithm()).resolve(d.hex());
    }

    /** The expanded tree of the snapshot with chain id {@code chainId}. */
    Path snapshotFs(String chainId) {
        return root.resolve("snapshots").resolve(Digest.parse(chainId).hex()).resolve("fs");
    }

    /** The snapshot trees of an image's layers, bottom first, as the mount stage takes them. */
    List<String> layerTrees(List<String> chainIds) {
        return chainIds.stream().map(chain -> snapshotFs(chain).toString()).toList();
    }

    /** Deletes a tree without following symbolic links; returns the bytes of regular files removed. */
    static long deleteTree(Path top) throws IOException {
        long[] bytes = {0};
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    bytes[0] += attrs.size();
                }
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
        return bytes[0];
    }
}
