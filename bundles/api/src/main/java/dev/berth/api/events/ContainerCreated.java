package dev.berth.api.events;

import dev.berth.api.container.RunOptions;
import dev.berth.api.event.EventType;

/**
 * A container exists: its name, the image it was made from (as asked and by manifest digest), the runtime
 * that holds it, its spec digest, the run options as given, and whether it is removed when it exits.
 * Subject: the container id.
 */
@EventType(name = "container.created", version = 2)
public record ContainerCreated(String name, String image, String imageDigest, String runtime, String specDigest,
        RunOptions options, boolean autoRemove) {
}
