package dev.berth.plugin.spec.impl;

import dev.berth.api.isolation.IsolationModule;
import java.util.Comparator;
import java.util.Objects;

/**
 * An isolation module as the spec stage knows it: its {@code id}, bundle {@code version}, place in the
 * {@code order}, whether it runs for containers that do not name it ({@code defaultOn}), and the service.
 * Immutable.
 */
public record ActiveModule(String id, String version, int order, boolean defaultOn, IsolationModule module) {
    /** Order first, then id: the order modules run in. */
    static final Comparator<ActiveModule> RUN_ORDER = Comparator.comparingInt(ActiveModule::order)
            .thenComparing(ActiveModule::id);

    public ActiveModule {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(module, "module");
    }
}
