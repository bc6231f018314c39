package dev.berth.api.event;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An event as an appender submits it, before the log gives it a sequence number, a time and a place in
 * the hash chain. Immutable; validated on construction so nothing malformed reaches the log.
 *
 * @param type    the stored type name, lowercase and dot-separated, subject first ("container.started")
 * @param version the schema version of the payload, from 1
 * @param subject what the event is about: a container id, an image digest, a plugin id, "engine"
 * @param payload the payload as a JSON object text
 */
public record EventDraft(String type, int version, String subject, String payload) {
    /** The largest payload the log accepts, in UTF-8 bytes. */
    public static final int MAX_PAYLOAD_BYTES = 1 << 20;
    /** The longest subject the log accepts, in UTF-8 bytes. */
    public static final int MAX_SUBJECT_BYTES = 512;

    private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9]*(\\.[a-z][a-z0-9-]*)+");

    public EventDraft {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(payload, "payload");
        if (type.length() > 128 || !TYPE.matcher(type).matches()) {
            throw new IllegalArgumentException("event type \"" + type
                    + "\" must be lowercase dot-separated words like container.started");
        }
        if (version < 1) {
            throw new IllegalArgumentException("event " + type + ": version must be at least 1, got " + version);
        }
        if (subject.isBlank() || subject.getBytes(StandardCharsets.UTF_8).length > MAX_SUBJECT_BYTES
                || subject.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("event " + type + ": subject must be 1 to " + MAX_SUBJECT_BYTES
                    + " bytes with no control characters");
        }
        String trimmed = payload.strip();
        if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) {
            throw new IllegalArgumentException("event " + type + ": payload must be a JSON object");
        }
        if (payload.getBytes(StandardCharsets.UTF_8).length > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("event " + type + ": payload exceeds " + MAX_PAYLOAD_BYTES + " bytes");
        }
    }
}
