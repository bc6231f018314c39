package dev.berth.api.events;

import dev.berth.api.event.EventType;
import java.util.List;

/**
 * The spec stage wrote a container's OCI {@code config.json}: its digest, the process it runs, and the
 * defaults the stage decided on its own. Subject: the container id.
 */
@EventType(name = "spec.generated", version = 1)
public record SpecGenerated(String digest, List<String> args, int uid, int gid, String cwd,
        List<String> decisions) {
}
