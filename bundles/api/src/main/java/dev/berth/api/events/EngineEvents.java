package dev.berth.api.events;

import dev.berth.api.event.EventType;
import java.util.List;

/** The catalogue of the engine's own event payload types, for schema checks and codecs. */
public final class EngineEvents {
    /** Every payload record type in this package. */
    public static final List<Class<? extends Record>> ALL = List.of(
            EngineStarted.class, EngineStopped.class, LogRecovered.class, NoteAdded.class,
            PluginInstalled.class, PluginUpdated.class, PluginStarted.class, PluginStopped.class,
            PluginUninstalled.class, PullRequested.class, ManifestResolved.class, BlobFetched.class,
            BlobRejected.class, LayerExpanded.class, ImagePulled.class, ImageTagged.class, ImageUntagged.class,
            PullFailed.class, ImageRemoved.class, ImageLoaded.class, ImagesSaved.class, ImagesPruned.class,
            RegistryLoggedIn.class, RootfsMounted.class, RootfsUnmounted.class, SpecGenerated.class,
            ContainerCreated.class, ContainerStarted.class, ContainerExecd.class, ContainerKilled.class,
            ContainerExited.class, ContainerRemoved.class, RuntimeDefaultChanged.class, ContainerOom.class,
            PluginFailed.class, PluginSwapped.class, PluginDisabled.class, PluginEnabled.class,
            ImageCommitted.class, ImageImported.class, ContainerExported.class, ContainerPaused.class,
            ContainerUnpaused.class, BlobPushed.class, ImagePushed.class, PushFailed.class);

    private EngineEvents() {
    }

    /** The {@link EventType} declared on {@code payloadType}; fails loudly for an undeclared record. */
    public static EventType typeOf(Class<?> payloadType) {
        EventType type = payloadType.getAnnotation(EventType.class);
        if (type == null) {
            throw new IllegalArgumentException(payloadType.getName() + " is not annotated with @EventType");
        }
        return type;
    }
}
