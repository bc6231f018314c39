package dev.berth.plugin.expand.impl;

import dev.berth.api.BerthException;
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
        String writeback = context.getProperty(WRITEBACK_PROPERTY);
        this.expander = new LayerExpander(PluginProperties.stateRoot(context::getProperty), log, new LayerUnpacker(),
                writeback == null || writeback.isBlank() ? LayerExpander.WRITEBACK_MILLIS : Long.parseLong(writeback.trim()));
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
