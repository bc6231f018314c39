package dev.berth.api.events;

import dev.berth.api.event.EventType;
import java.util.List;

/**
 * A process was started inside a running container ({@code berth exec}): its exec id, command and user.
 * Subject: the container id.
 */
@EventType(name = "container.execd", version = 1)
public record ContainerExecd(String execId, List<String> args, String user, boolean tty) {
}
