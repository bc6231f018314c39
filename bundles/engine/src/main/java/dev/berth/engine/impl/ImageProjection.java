package dev.berth.engine.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.event.EventRecord;
import dev.berth.api.events.ImageCommitted;
import dev.berth.api.events.ImageImported;
import dev.berth.api.events.ImageLoaded;
import dev.berth.api.events.ImagePulled;
import dev.berth.api.events.ImageRemoved;
import dev.berth.api.events.ImageTagged;
import dev.berth.api.events.ImageUntagged;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The images the log says the store holds, by manifest digest, and the names pointing at them. Not
 * thread-safe on its own; {@link Projections} serialises access.
 */
public final class ImageProjection implements Projection {

    /**
     * One stored image: pulled, loaded, committed (then {@code base} is the image it was committed on) or
     * imported; {@code pulledSequence} and {@code pulledTimeNanos} say when it entered the store. Immutable.
     */
    public record Image(String manifestDigest, String mediaType, String configDigest, String platform,
            List<String> layers, List<String> chainIds, long size, long pulledSequence, long pulledTimeNanos,
            String base) {
        public Image {
            layers = List.copyOf(layers);
            chainIds = List.copyOf(chainIds);
        }
    }

    private final EventCodec codec;
    private final Map<String, Image> images = new TreeMap<>();
    private final Map<String, String> tags = new TreeMap<>();

    public ImageProjection(EventCodec codec) {
        this.codec = codec;
    }

    @Override
    public String name() {
        return "images";
    }

    @Override
    public void apply(EventRecord record) {
        switch (record.type()) {
            case "image.pulled" -> {
                ImagePulled e = codec.payload(record, ImagePulled.class);
                images.put(e.manifestDigest(), new Image(e.manifestDigest(), e.mediaType(), e.configDigest(),
                        e.platform(), e.layers(), e.chainIds(), e.size(), record.sequence(), record.timeNanos(), null));
            }
            case "image.loaded" -> {
                ImageLoaded e = codec.payload(record, ImageLoaded.class);
                images.put(e.manifestDigest(), new Image(e.manifestDigest(), e.mediaType(), e.configDigest(),
                        e.platform(), e.layers(), e.chainIds(), e.size(), record.sequence(), record.timeNanos(), null));
            }
            case "image.committed" -> {
                ImageCommitted e = codec.payload(record, ImageCommitted.class);
                images.put(e.manifestDigest(), new Image(e.manifestDigest(), e.mediaType(), e.configDigest(),
                        e.platform(), e.layers(), e.chainIds(), e.size(), record.sequence(), record.timeNanos(),
                        e.baseManifest()));
            }
            case "image.imported" -> {
                ImageImported e = codec.payload(record, ImageImported.class);
                images.put(e.manifestDigest(), new Image(e.manifestDigest(), e.mediaType(), e.configDigest(),
                        e.platform(), e.layers(), e.chainIds(), e.size(), record.sequence(), record.timeNanos(), null));
            }
            case "image.removed" -> {
                ImageRemoved e = codec.payload(record, ImageRemoved.class);
                images.remove(e.manifestDigest());
                tags.values().removeIf(e.manifestDigest()::equals);
            }
            case "image.tagged" -> {
                ImageTagged e = codec.payload(record, ImageTagged.class);
                tags.put(e.reference(), e.manifestDigest());
            }
            case "image.untagged" -> {
                ImageUntagged e = codec.payload(record, ImageUntagged.class);
                tags.remove(e.reference(), e.manifestDigest());
            }
            default -> {
                // not an image event
            }
        }
    }

    /** The image a normalised reference or a manifest digest names. */
    public Optional<Image> resolve(String referenceOrDigest) {
        String digest = tags.getOrDefault(referenceOrDigest, referenceOrDigest);
        return Optional.ofNullable(images.get(digest));
    }

    /** Every stored image, by manifest digest. */
    public List<Image> all() {
        return new ArrayList<>(images.values());
    }

    /** The names pointing at {@code manifestDigest}, sorted. */
    public List<String> tagsOf(String manifestDigest) {
        return tags.entrySet().stream().filter(e -> e.getValue().equals(manifestDigest)).map(Map.Entry::getKey)
                .toList();
    }

    /** The manifest digest {@code reference} points at, if any. */
    public Optional<String> tagged(String reference) {
        return Optional.ofNullable(tags.get(reference));
    }

    @Override
    public JsonNode snapshot() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        ArrayNode array = node.putArray("images");
        for (Image image : images.values()) {
            array.add(codec.mapper().valueToTree(image));
        }
        ObjectNode names = node.putObject("tags");
        tags.forEach(names::put);
        return node;
    }

    @Override
    public void restore(JsonNode snapshot) {
        clear();
        for (JsonNode entry : snapshot.path("images")) {
            Image image = codec.mapper().convertValue(entry, Image.class);
            images.put(image.manifestDigest(), image);
        }
        snapshot.path("tags").fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
    }

    @Override
    public void clear() {
        images.clear();
        tags.clear();
    }
}
