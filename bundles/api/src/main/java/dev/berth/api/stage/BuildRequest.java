package dev.berth.api.stage;

import dev.berth.api.image.Digest;
import dev.berth.api.image.Platform;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the commit stage builds: the layer tar at {@code layer} (plain or gzip-compressed) on top of the
 * stored image {@code base} (null: an image of this layer alone, for {@code platform}), with the
 * container's settings {@code config} (null: the base's), then the Dockerfile-style {@code changes}
 * ({@code CMD ["sh"]}, {@code ENV A=b}, {@code WORKDIR /x}, ...), and a history entry made of
 * {@code createdBy}, {@code comment} and {@code author} at {@code created}. Immutable.
 */
public record BuildRequest(Path layer, Digest base, Platform platform, ImageSettings config, List<String> changes,
        String createdBy, String comment, String author, Instant created) {
    public BuildRequest {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(created, "created");
        if (base == null) {
            Objects.requireNonNull(platform, "platform (an image without a base)");
        }
        changes = List.copyOf(changes);
        createdBy = createdBy == null ? "" : createdBy;
        comment = comment == null ? "" : comment;
        author = author == null ? "" : author;
    }
}
