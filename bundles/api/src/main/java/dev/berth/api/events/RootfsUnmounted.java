package dev.berth.api.events;

import dev.berth.api.event.EventType;

/**
 * A container's root filesystem was unmounted (its read-write layer kept unless the container was
 * removed); {@code reason} says why ("container exited", "reconciled at daemon start"). Subject: the
 * container id.
 */
@EventType(name = "rootfs.unmounted", version = 1)
public record RootfsUnmounted(String snapshotter, String reason) {
}
