package dev.berth.api.isolation;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One field of the OCI runtime spec an isolation module sets: where ({@code pointer}, a JSON Pointer
 * into config.json made of object member names only, such as {@code /process/capabilities/bounding} or
 * {@code /linux/resources/memory}), to what ({@code value}, JSON text; null to leave the field out of the
 * spec, as {@code --uts host} does for {@code /hostname}), and why ({@code reason}, one short line for
 * the audit trail: "Docker's default set plus --cap-add NET_ADMIN"). Immutable.
 */
public record SpecField(String pointer, String value, String reason) {
    private static final Pattern POINTER = Pattern.compile("(/[A-Za-z][A-Za-z0-9_.-]*)+");

    public SpecField {
        Objects.requireNonNull(pointer, "pointer");
        Objects.requireNonNull(reason, "reason");
        if (!POINTER.matcher(pointer).matches()) {
            throw new IllegalArgumentException("spec field \"" + pointer
                    + "\" is not a JSON Pointer of member names like /linux/resources/memory");
        }
        if (reason.isBlank()) {
            throw new IllegalArgumentException("spec field " + pointer + " has no reason");
        }
    }

    /** A field set to the JSON text {@code value}. */
    public static SpecField set(String pointer, String value, String reason) {
        return new SpecField(pointer, Objects.requireNonNull(value, "value"), reason);
    }

    /** A field left out of the spec. */
    public static SpecField remove(String pointer, String reason) {
        return new SpecField(pointer, null, reason);
    }

    /** Whether this field removes rather than sets. */
    public boolean removes() {
        return value == null;
    }

    /** Whether this field and {@code other} touch the same part of the spec (equal, or one inside the other). */
    public boolean overlaps(SpecField other) {
        String a = pointer;
        String b = other.pointer;
        return a.equals(b) || a.startsWith(b + "/") || b.startsWith(a + "/");
    }
}
