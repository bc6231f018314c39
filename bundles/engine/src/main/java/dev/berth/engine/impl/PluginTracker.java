package dev.berth.engine.impl;

import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventLog;
import dev.berth.api.events.PluginInstalled;
import dev.berth.api.events.PluginStarted;
import dev.berth.api.events.PluginStopped;
import dev.berth.api.events.PluginUninstalled;
import dev.berth.api.events.PluginUpdated;
import dev.berth.api.plugin.PluginKind;
import dev.berth.api.plugin.PluginProperties;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;

/**
 * Turns the framework's bundle changes into plugin events: at start it compares the live bundles with
 * what the log says (installed, updated, started, stopped, uninstalled while the engine was down), then
 * it logs every change as it happens. Thread-safe: all methods synchronise on the tracker.
 */
public final class PluginTracker implements SynchronousBundleListener {
    private static final System.Logger LOG = System.getLogger("berth.engine.plugins");

    private final BundleContext context;
    private final EventLog log;
    private final EventCodec codec;
    /** What this tracker has logged so far, per plugin id: the projection plus appends still in flight. */
    private final Map<String, PluginProjection.Plugin> known = new HashMap<>();

    public PluginTracker(BundleContext context, EventLog log, EventCodec codec, List<PluginProjection.Plugin> logged) {
        this.context = context;
        this.log = log;
        this.codec = codec;
        for (PluginProjection.Plugin plugin : logged) {
            known.put(plugin.id(), plugin);
        }
    }

    /**
     * Location prefix of bundles the engine installs for a moment only, to read a jar the way the framework
     * does before accepting it as a plugin ({@link PluginManager}); they are not plugins and never logged.
     */
    static final String INSPECTION_PREFIX = "berth-inspection:";

    /** True for bundles that are not plugins: the framework itself, unnamed bundles, inspections. */
    static boolean ignored(Bundle bundle) {
        return bundle.getBundleId() == 0 || bundle.getSymbolicName() == null
                || bundle.getLocation().startsWith(INSPECTION_PREFIX);
    }

    /** The kind a bundle declares, or framework/library by its name. */
    public static PluginKind kindOf(Bundle bundle) {
        String header = bundle.getHeaders("").get(PluginProperties.KIND_HEADER);
        if (header != null) {
            return PluginKind.fromHeader(header);
        }
        String name = String.valueOf(bundle.getSymbolicName());
        if (bundle.getBundleId() == 0 || name.startsWith("org.apache.felix.") || name.startsWith("org.osgi.")) {
            return PluginKind.FRAMEWORK;
        }
        return PluginKind.LIBRARY;
    }

    /**
     * Logs every difference between the live framework and the log, and waits until those events are
     * durable. With {@code startup} set, bundles are still being started by the launcher and plugins
     * re-installed from the plugins folder: a bundle not yet ACTIVE is not logged as stopped, and a
     * plugin whose jar still exists is not logged as uninstalled. A later call without {@code startup}
     * settles whatever did not come up.
     */
    public void reconcileAll(boolean startup) {
        reconcileAllAppended(startup).join();
    }

    /**
     * As {@link #reconcileAll}, but returns once the events are handed to the log (in order), with a future
     * that completes when they are all durable: the engine's start goes on meanwhile.
     */
    CompletableFuture<Void> reconcileAllAppended(boolean startup) {
        List<CompletableFuture<?>> appends = new ArrayList<>();
        synchronized (this) {
            Set<String> live = new HashSet<>();
            for (Bundle bundle : context.getBundles()) {
                if (ignored(bundle)) {
                    continue;
                }
                live.add(bundle.getSymbolicName());
                boolean active = bundle.getState() == Bundle.ACTIVE;
                appends.addAll(reconcile(bundle, active || !startup ? active : null, false));
            }
            for (PluginProjection.Plugin plugin : List.copyOf(known.values())) {
                if (!live.contains(plugin.id()) && !(startup && jarExists(plugin.location()))) {
                    appends.add(append(plugin.id(), new PluginUninstalled(plugin.version())));
                    known.remove(plugin.id());
                }
            }
        }
        return CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new));
    }

    private static boolean jarExists(String location) {
        try {
            return location.startsWith("file:") && Files.isRegularFile(Path.of(URI.create(location)));
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return false;
        }
    }

    @Override
    public synchronized void bundleChanged(BundleEvent event) {
        Bundle bundle = event.getBundle();
        Bundle system = context.getBundle(0);
        if (ignored(bundle) || (system != null && system.getState() == Bundle.STOPPING)) {
            return; // the framework shutting down is the engine stopping, not plugins changing
        }
        // Delivered synchronously, on the thread making the change: the bundle's version and location are
        // those of this very step (an update's STOPPED still shows the old build).
        switch (event.getType()) {
            case BundleEvent.STARTED -> reconcile(bundle, true, false);
            case BundleEvent.STOPPED -> reconcile(bundle, false, false);
            case BundleEvent.INSTALLED -> reconcile(bundle, null, false);
            case BundleEvent.UPDATED -> reconcile(bundle, null, true); // a new build, even with the same version
            case BundleEvent.UNINSTALLED -> uninstalled(bundle.getSymbolicName());
            default -> {
                // RESOLVED, UNRESOLVED, STARTING, STOPPING, LAZY_ACTIVATION: no plugin state change
            }
        }
    }

    private List<CompletableFuture<?>> uninstalled(String id) {
        PluginProjection.Plugin was = known.remove(id);
        return was == null ? List.of() : List.of(append(id, new PluginUninstalled(was.version())));
    }

    /**
     * Logs what changed for one live bundle: installed, updated, and, when {@code active} is not null,
     * started or stopped. With {@code rebuilt} set the bundle was updated in place, which is logged even
     * when version and location stay the same.
     */
    private List<CompletableFuture<?>> reconcile(Bundle bundle, Boolean active, boolean rebuilt) {
        String id = bundle.getSymbolicName();
        if (bundle.getState() == Bundle.UNINSTALLED) {
            return uninstalled(id);
        }
        List<CompletableFuture<?>> appends = new ArrayList<>();
        String version = bundle.getVersion().toString();
        String location = bundle.getLocation();
        PluginProjection.Plugin was = known.get(id);
        String kind = kindOf(bundle).label();
        if (was == null) {
            appends.add(append(id, new PluginInstalled(version, kind, location)));
            was = new PluginProjection.Plugin(id, version, kind, location, false, 0, 0, null);
        } else if (rebuilt || !was.version().equals(version) || !was.location().equals(location)) {
            appends.add(append(id, new PluginUpdated(was.version(), version, location)));
            was = new PluginProjection.Plugin(id, version, was.kind(), location, was.active(), 0, 0, null, was.disabled());
        }
        if (active != null && was.active() != active) {
            appends.add(append(id, active ? new PluginStarted(version) : new PluginStopped(version)));
            was = new PluginProjection.Plugin(id, version, was.kind(), location, active, 0, 0, was.failure(), was.disabled());
        }
        known.put(id, was);
        return appends;
    }

    private CompletableFuture<?> append(String subject, Record payload) {
        EventDraft draft = codec.draft(subject, payload);
        return log.append(draft).toCompletableFuture().whenComplete((record, failure) -> {
            if (failure != null) {
                LOG.log(Level.ERROR, "log " + draft.type() + " for " + subject + ": " + failure.getMessage());
            }
        });
    }
}
