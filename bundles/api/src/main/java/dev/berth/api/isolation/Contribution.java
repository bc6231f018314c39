package dev.berth.api.isolation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one isolation module gives one container: the spec {@code fields} it sets, {@code notes} on what
 * it decided without setting a field ("SELinux labels computed but left out: the host has no SELinux"),
 * and {@code facts} it wants remembered with the container (an allocated MCS pair, a uid range), which
 * are recorded in the {@code spec.generated} event and handed back through {@link ModuleLifecycle} and
 * {@link ContainerWatcher}. Immutable; build one with {@link #builder()}.
 */
public record Contribution(List<SpecField> fields, List<String> notes, Map<String, String> facts) {
    public Contribution {
        fields = List.copyOf(fields);
        notes = notes == null ? List.of() : List.copyOf(notes);
        facts = facts == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(facts));
    }

    /** A contribution that sets nothing. */
    public static Contribution none(String note) {
        return new Contribution(List.of(), List.of(note), Map.of());
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects fields, notes and facts in order. Not thread-safe. */
    public static final class Builder {
        private final List<SpecField> fields = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();
        private final Map<String, String> facts = new LinkedHashMap<>();

        private Builder() {
        }

        /** Sets {@code pointer} to the JSON text {@code json}. */
        public Builder set(String pointer, String json, String reason) {
            fields.add(SpecField.set(pointer, json, reason));
            return this;
        }

        /** Leaves {@code pointer} out of the spec. */
        public Builder remove(String pointer, String reason) {
            fields.add(SpecField.remove(pointer, reason));
            return this;
        }

        /** Records a decision that sets no field. */
        public Builder note(String note) {
            notes.add(note);
            return this;
        }

        /** Remembers {@code key=value} with the container. */
        public Builder fact(String key, String value) {
            facts.put(key, value);
            return this;
        }

        public Contribution build() {
            return new Contribution(fields, notes, facts);
        }
    }
}
