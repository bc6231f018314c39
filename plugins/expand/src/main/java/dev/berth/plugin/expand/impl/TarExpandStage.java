package dev.berth.plugin.expand.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.EventLog;
import dev.berth.api.plugin.PluginProperties;
import dev.berth.api.stage.ExpandRequest;
import dev.berth.api.stage.ExpandStage;
import dev.berth.api.stage.ExpandedLayer;
import dev.berth.api.stage.GrowingBlob;
import dev.berth.api.stage.StageProgress;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The built-in expand stage: a thin adapter over {@link LayerExpander}, which unpacks a layer blob (complete
 * in the content store, or still downloading) with {@link LayerUnpacker} into a snapshot under
 * {@code <root>/snapshots/<chain id>}, once per chain id, and records {@code layer.expanded}. Thread-safe.
 */
@Component(service = ExpandStage.class, property = {
    PluginProperties.STAGE + "=" + ExpandStage.STAGE,
    PluginProperties.KIND + "=stage",
    PluginProperties.ID + "=tar"})
public final class TarExpandStage implements ExpandStage {
    /** Framework property: milliseconds between flushes of a snapshot's filesystem while it unpacks (0: none). */
    static final String WRITEBACK_PROPERTY = "berth.expand.writeback.ms";

    private final LayerExpander expander;

    @Activate
    public TarExpandStage(BundleContext context, @Reference EventLog log) throws BerthException {
        this.expander = new LayerExpander(PluginProperties.stateRoot(context::getProperty), log, new LayerUnpacker(),
                writebackMillis(context.getProperty(WRITEBACK_PROPERTY)));
    }

    /** The value of {@value #WRITEBACK_PROPERTY}: unset for the default, else milliseconds, 0 for none. */
    static long writebackMillis(String value) throws BerthException {
        if (value == null || value.isBlank()) {
            return LayerExpander.WRITEBACK_MILLIS;
        }
        try {
            long millis = Long.parseLong(value.trim());
            if (millis >= 0) {
                return millis;
            }
        } catch (NumberFormatException e) {
            // Named below, as a negative number is.
        }
        throw new BerthException(ErrorKind.INVALID, "start the expand stage: framework property " + WRITEBACK_PROPERTY
                + " is \"" + value + "\"; it must be a number of milliseconds, 0 for no early flushes");
    }

    @Override
    public ExpandedLayer expand(ExpandRequest request, StageProgress progress) throws BerthException {
        return expander.expand(request, progress);
    }

    @Override
    public ExpandedLayer expand(ExpandRequest request, GrowingBlob blob, StageProgress progress)
            throws BerthException {
        return expander.expand(request, blob, progress);
    }
}
