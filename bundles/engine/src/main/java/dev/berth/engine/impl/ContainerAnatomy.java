package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.container.FileChange;
import dev.berth.api.container.LayerTar;
import dev.berth.api.container.RunOptions;
import dev.berth.api.events.ContainerExported;
import dev.berth.api.events.ContainerPaused;
import dev.berth.api.events.ContainerUnpaused;
import dev.berth.api.events.ImageCommitted;
import dev.berth.api.image.Digest;
import dev.berth.api.stage.BuildRequest;
import dev.berth.api.stage.ImageSettings;
import dev.berth.api.stage.LoadedImage;
import dev.berth.engine.impl.ContainerProjection.Container;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * How a container's read-write layer relates to its image: {@code diff} (a read: the mount stage lists the
 * changes), {@code commit} (the mount stage writes the changes as a layer tar, the commit stage makes an
 * image of it on top of the container's image, the expand stage expands it, the log records
 * {@code image.committed}) and {@code export} (the mount stage writes the whole tree as one tar,
 * {@code container.exported}). Each holds the container's lock, so the container is not removed under it.
 * Thread-safe.
 */
final class ContainerAnatomy {
    private final BusCalls calls;
    private final ContainerStages stages;
    private final ContainerQueries queries;
    private final Projections projections;
    private final ImageProjection images;
    private final ImageService imageService;
    private final Path root;
    private final Function<String, Object> lock;

    ContainerAnatomy(BusCalls calls, ContainerStages stages, ContainerQueries queries, Projections projections,
            ImageProjection images, ImageService imageService, Path root, Function<String, Object> lock) {
        this.calls = calls;
        this.stages = stages;
        this.queries = queries;
        this.projections = projections;
        this.images = images;
        this.imageService = imageService;
        this.root = root;
        this.lock = lock;
    }

    /** {"id"} → {"id", "changes": [{"path", "kind"}]}, kind A, C or D. */
    JsonObject changes(JsonObject request) throws BerthException {
        Container c = queries.resolve(request.getString("id", ""));
        synchronized (lock.apply(c.id())) {
            JsonArray all = new JsonArray();
            for (FileChange change : stages.changes(c.id(), layers(c, "diff"))) {
                all.add(new JsonObject().put("path", change.path()).put("kind", change.kind().letter()));
            }
            return new JsonObject().put("id", c.id()).put("changes", all);
        }
    }

    /**
     * {"id", "reference", "comment", "author", "changes": [...], "pause", "progress"} → {"manifestDigest",
     * "id", "reference"}.
     */
    JsonObject commit(JsonObject request) throws BerthException {
        Container c = queries.resolve(request.getString("id", ""));
        String action = "commit " + c.name();
        String name = ImageService.newName(action, request.getString("reference"));
        List<String> changes = ImageService.strings(request.getJsonArray("changes"));
        String comment = request.getString("comment", "");
        String author = request.getString("author", "");
        synchronized (lock.apply(c.id())) {
            ImageProjection.Image base = image(c, action);
            Path tar = scratch("commit-" + c.id().substring(0, 12));
            try {
                LayerTar layer = writeChanges(c, base, tar, request.getBoolean("pause", false));
                String createdBy = String.join(" ", c.args());
                LoadedImage image = imageService.build(new BuildRequest(Path.of(layer.path()),
                        Digest.parse(base.manifestDigest()), null, settings(c, base), changes, createdBy, comment,
                        author, Instant.now()), request.getString("progress"));
                String manifest = image.manifestDigest().toString();
                calls.append(manifest, new ImageCommitted(c.id(), base.manifestDigest(), manifest, image.mediaType(),
                        image.config().digest().toString(), String.valueOf(image.platform()),
                        image.layers().stream().map(l -> l.digest().toString()).toList(),
                        ImageService.chainIds(image.diffIds()), ImageService.size(image), comment, author, changes));
                if (name != null) {
                    imageService.tag(name, manifest);
                }
                return new JsonObject().put("manifestDigest", manifest).put("id", image.config().digest().toString())
                        .put("reference", name).put("layerBytes", layer.size()).put("entries", layer.entries());
            } finally {
                deleteQuietly(tar);
            }
        }
    }

    /** The changes as a layer tar at {@code tar}; with {@code pause}, a running container is frozen meanwhile. */
    private LayerTar writeChanges(Container c, ImageProjection.Image base, Path tar, boolean pause)
            throws BerthException {
        boolean paused = pause && c.running();
        if (paused) {
            stages.pause(c.runtime(), c.id());
            calls.append(c.id(), new ContainerPaused("commit"));
        }
        try {
            return stages.writeChanges(c.id(), layers(c, base), tar);
        } finally {
            if (paused) {
                stages.resume(c.runtime(), c.id());
                calls.append(c.id(), new ContainerUnpaused("commit"));
            }
        }
    }

    /** {"id", "target" (absolute)} → {"id", "target", "bytes", "entries"}. */
    JsonObject export(JsonObject request) throws BerthException {
        Container c = queries.resolve(request.getString("id", ""));
        String target = request.getString("target", "");
        if (!target.startsWith("/")) {
            throw new BerthException(ErrorKind.INVALID, "export " + c.name() + ": the target path must be absolute, "
                    + "got \"" + target + "\"");
        }
        synchronized (lock.apply(c.id())) {
            LayerTar tar = stages.export(c.id(), layers(c, "export " + c.name()), Path.of(target));
            calls.append(c.id(), new ContainerExported(tar.path(), tar.size(), tar.entries()));
            return new JsonObject().put("id", c.id()).put("target", tar.path()).put("bytes", tar.size())
                    .put("entries", tar.entries());
        }
    }

    /**
     * The settings the container ran with, as an image config keeps them (as {@code docker commit} does):
     * its command and entrypoint when it chose them, the image's environment with its own on top, its
     * working directory and user.
     */
    private ImageSettings settings(Container c, ImageProjection.Image base) throws BerthException {
        RunOptions options = c.options();
        List<String> env = null;
        if (!options.env().isEmpty()) {
            Map<String, String> merged = new LinkedHashMap<>();
            for (String entry : baseEnv(base)) {
                merged.put(entry.split("=", 2)[0], entry);
            }
            for (String entry : options.env()) {
                merged.put(entry.split("=", 2)[0], entry);
            }
            env = new ArrayList<>(merged.values());
        }
        return new ImageSettings(options.command(), options.entrypoint(), env, options.workingDir(), options.user(),
                null);
    }

    private List<String> baseEnv(ImageProjection.Image base) throws BerthException {
        try {
            JsonObject config = new JsonObject(Files.readString(new StoreLayout(root).blob(base.configDigest())));
            return ImageService.strings(config.getJsonObject("config", new JsonObject()).getJsonArray("Env"));
        } catch (IOException | RuntimeException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "commit: read the config " + base.configDigest()
                    + " of the container's image: " + e.getMessage(), e);
        }
    }

    private List<String> layers(Container c, String action) throws BerthException {
        return layers(c, image(c, action));
    }

    private List<String> layers(Container c, ImageProjection.Image image) {
        return new StoreLayout(root).layerTrees(image.chainIds());
    }

    private ImageProjection.Image image(Container c, String action) throws BerthException {
        return projections.query(() -> images.resolve(c.imageDigest())).orElseThrow(() -> new BerthException(
                ErrorKind.CONFLICT, action + ": the image the container was made from (" + c.imageDigest()
                        + ") is no longer stored"));
    }

    /** A fresh path under the state root's {@code tmp} folder, which is created if missing. */
    private Path scratch(String prefix) throws BerthException {
        Path dir = root.resolve("tmp");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "create " + dir + ": " + e.getMessage(), e);
        }
        return dir.resolve(prefix + "-" + UUID.randomUUID() + ".tar");
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            System.getLogger("berth.engine.containers").log(System.Logger.Level.WARNING,
                    "delete the scratch file " + file + ": " + e.getMessage());
        }
    }
}
