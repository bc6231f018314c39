package dev.berth.dockerapi.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The folder on the daemon's host that archives pass through on their way between a Docker client and the
 * engine ({@code save}, {@code load}, {@code export}, {@code import}): created 0700 when missing, each file
 * in it 0600, each deleted once its call is over. File work runs on worker threads, never on an event
 * loop. Thread-safe: holds only the folder's path.
 */
final class ScratchFiles {
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FOLDER =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final Vertx vertx;
    private final Path folder;

    ScratchFiles(Vertx vertx, Path folder) {
        this.vertx = vertx;
        this.folder = folder;
    }

    /** A new empty file ({@code prefix...suffix}, mode 0600) in the scratch folder. */
    Future<Path> file(String prefix, String suffix) {
        return vertx.executeBlocking(() -> {
            Files.createDirectories(folder, PRIVATE_FOLDER);
            return Files.createTempFile(folder, prefix, suffix, PRIVATE_FILE);
        }, false);
    }

    /**
     * A new empty folder ({@code prefix...}, mode 0700) in the scratch folder, for a file the engine writes
     * itself (it creates its target atomically, so the target must not exist yet).
     */
    Future<Path> folder(String prefix) {
        return vertx.executeBlocking(() -> {
            Files.createDirectories(folder, PRIVATE_FOLDER);
            return Files.createTempDirectory(folder, prefix, PRIVATE_FOLDER);
        }, false);
    }

    /**
     * Writes {@code http}'s body to {@code file} as it arrives, with back-pressure, so no more than a few
     * chunks are ever held in memory; at most {@code maxBytes}. The request must have been paused before
     * the first asynchronous step (its body would be lost otherwise); this resumes it. Completes once the
     * file is closed; fails with a 413 for a larger body, with the write's failure (a full disk), or when
     * the client goes away.
     */
    Future<Void> receive(HttpServerRequest http, Path file, long maxBytes, String action) {
        return vertx.fileSystem().open(file.toString(), new OpenOptions().setWrite(true).setTruncateExisting(true))
                .compose(opened -> pump(http, opened, maxBytes, action));
    }

    private static Future<Void> pump(HttpServerRequest http, AsyncFile file, long maxBytes, String action) {
        Promise<Void> done = Promise.promise();
        long[] received = {0};
        Runnable abandon = () -> { // the rest of the body is discarded and the connection not reused
            http.response().putHeader("Connection", "close");
            http.handler(null);
            http.resume();
            file.close();
        };
        Consumer<Throwable> writeFailed = e -> {
            done.tryFail(new DockerException(500, action + ": write the request body to a scratch file: "
                    + e.getMessage(), e));
            abandon.run();
        };
        file.exceptionHandler(writeFailed::accept);
        http.handler(chunk -> {
            if (done.future().isComplete()) {
                return;
            }
            received[0] += chunk.length();
            if (received[0] > maxBytes) {
                done.tryFail(new DockerException(413, action + ": the request body is larger than " + maxBytes
                        + " bytes"));
                abandon.run();
                return;
            }
            file.write(chunk).onFailure(writeFailed::accept);
            if (file.writeQueueFull()) {
                http.pause();
                file.drainHandler(v -> http.resume());
            }
        });
        http.endHandler(v -> file.close().onComplete(closed -> {
            if (closed.succeeded()) {
                done.tryComplete();
            } else {
                done.tryFail(new DockerException(500, action + ": close the scratch file: "
                        + closed.cause().getMessage(), closed.cause()));
            }
        }));
        http.exceptionHandler(e -> {
            done.tryFail(new DockerException(400, action + ": the request body did not arrive whole: "
                    + e.getMessage(), e));
            abandon.run();
        });
        http.resume();
        return done.future();
    }

    /** Deletes {@code path} (a file, or a folder and what is in it) in the background; null is nothing. */
    void delete(Path path) {
        if (path == null) {
            return;
        }
        vertx.executeBlocking(() -> {
            deleteTree(path);
            return null;
        }, false).onFailure(e -> System.getLogger("berth.dockerapi").log(System.Logger.Level.WARNING,
                "delete the scratch path " + path + ": " + e.getMessage()));
    }

    /** Deletes a file, or a folder with everything below it, without following links; absent is fine. */
    static void deleteTree(Path path) throws IOException {
        if (!Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(path);
            return;
        }
        try (Stream<Path> all = Files.walk(path)) {
            for (Path entry : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(entry);
            }
        }
    }
}
