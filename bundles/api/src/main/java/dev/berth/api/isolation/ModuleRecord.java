package dev.berth.api.isolation;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one isolation module gave one container, as the {@code spec.generated} event records it: the module
 * {@code id} and bundle {@code version}, its place in the {@code order}, and its contribution's
 * {@code fields}, {@code notes} and {@code facts}. Immutable.
 */
public record ModuleRecord(String id, String version, int order, List<SpecField> fields, List<String> notes,
        Map<String, String> facts) {
    public ModuleRecord {
        Objects.requireNonNull(id, "id");
        fields = fields == null ? List.of() : List.copyOf(fields);
        notes = notes == null ? List.of() : List.copyOf(notes);
        facts = facts == null ? Map.of() : Map.copyOf(facts);
    }

    /** The record of {@code contribution} from module {@code id} at {@code version}. */
    public static ModuleRecord of(String id, String version, int order, Contribution contribution) {
        return new ModuleRecord(id, version, order, contribution.fields(), contribution.notes(), contribution.facts());
    }
}
