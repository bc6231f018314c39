package dev.berth.api.events;

import dev.berth.api.event.EventType;
import java.util.List;

/**
 * Blobs and layer snapshots that no image refers to were deleted. Subject: {@code store}.
 */
@EventType(name = "images.pruned", version = 1)
public record ImagesPruned(List<String> blobs, List<String> snapshots, long bytes) {
    public ImagesPruned {
        blobs = List.copyOf(blobs);
        snapshots = List.copyOf(snapshots);
    }
}
