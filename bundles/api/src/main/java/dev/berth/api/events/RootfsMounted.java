package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * A container's root filesystem was mounted: by which snapshotter, at which path, over how many layer
 * snapshots. Subject: the container id.
 */
@EventType(name = "rootfs.mounted", version = 1)
public record RootfsMounted(String snapshotter, String rootfs, int layers) {
}
