package dev.berth.api.events;

import dev.berth.api.event.EventType;
import java.util.List;

/** Images were written to an archive. Subject: the archive path. */
@EventType(name = "images.saved", version = 1)
public record ImagesSaved(String target, String format, List<String> manifestDigests, List<String> references,
        long bytes) {
    public ImagesSaved {
        manifestDigests = List.copyOf(manifestDigests);
        references = List.copyOf(references);
    }
}
