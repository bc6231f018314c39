package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.isolation.ContainerWatcher;
import dev.berth.api.isolation.IsolationModule;
import dev.berth.api.isolation.ModuleLifecycle;
import dev.berth.api.isolation.ModuleRecord;
import dev.berth.api.isolation.Observation;
import dev.berth.api.isolation.ResourceMonitor;
import dev.berth.api.isolation.ResourceUsage;
import dev.berth.api.isolation.WatchedContainer;
import dev.berth.engine.impl.ContainerProjection.Container;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The engine's side of the isolation modules: what they allocated is restored when a module appears
 * (from the containers the log says exist) and released when a container is removed; watching modules
 * watch each container they contributed to while it runs, and what they observe goes to
 * {@code observed}; the resource monitor answers {@code berth stats}. Modules come and go while the engine
 * runs. Thread-safe.
 */
final class IsolationTracker {
    private static final System.Logger LOG = System.getLogger("berth.engine.isolation");

    /** One registered module: its id, place in the order, and the service. */
    record Module(String id, int order, IsolationModule service) {
    }

    private final Map<Object, Module> modules = new ConcurrentHashMap<>();
    /** Open watches: container id to module id to handle. */
    private final Map<String, Map<String, AutoCloseable>> watches = new ConcurrentHashMap<>();
    private final Supplier<List<Container>> containers;
    private final Observed observed;

    /** Receives what a watching module saw. */
    @FunctionalInterface
    interface Observed {
        void accept(Container container, String moduleId, Observation observation);
    }

    /**
     * A tracker reading the containers the log knows from {@code containers} and reporting what watchers
     * see to {@code observed} (called on the watcher's thread, with the container as it was when watched).
     */
    IsolationTracker(Supplier<List<Container>> containers, Observed observed) {
        this.containers = containers;
        this.observed = observed;
    }

    /** A module appeared (key: its service reference): restore its allocations, watch running containers. */
    void added(Object key, Module module) {
        modules.put(key, module);
        for (Container c : containers.get()) {
            Optional<ModuleRecord> record = c.module(module.id());
            if (record.isEmpty() || c.status().equals("removed")) {
                continue;
            }
            try {
                if (module.service() instanceof ModuleLifecycle lifecycle) {
                    lifecycle.restore(c.id(), record.get().facts());
                }
                if (c.running()) {
                    watch(c, module, record.get());
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "isolation module " + module.id() + ": restore " + c.id() + ": " + e, e);
            }
        }
    }

    /** A module went away: its watches end. */
    void removed(Object key) {
        Module module = modules.remove(key);
        if (module == null) {
            return;
        }
        for (Map<String, AutoCloseable> byModule : watches.values()) {
            close(byModule.remove(module.id()));
        }
    }

    /** Every registered module, in order. */
    List<Module> modules() {
        List<Module> list = new ArrayList<>(modules.values());
        list.sort(Comparator.comparingInt(Module::order).thenComparing(Module::id));
        return list;
    }

    /** {@code c} is running with its process at {@code c.pid()}: the modules that contributed to it watch it. */
    void started(Container c) {
        exited(c.id()); // a watch left from an earlier run must not hide this one
        for (ModuleRecord record : c.modules()) {
            module(record.id()).ifPresent(m -> watch(c, m, record));
        }
    }

    /** {@code id}'s process ended: every watch on it ends. */
    void exited(String id) {
        Map<String, AutoCloseable> byModule = watches.remove(id);
        if (byModule != null) {
            byModule.values().forEach(IsolationTracker::close);
        }
    }

    /** {@code id} is gone (removed, or its creation failed after {@code records}): allocations are released. */
    void released(String id, List<ModuleRecord> records) {
        exited(id);
        for (Module module : modules()) {
            if (!(module.service() instanceof ModuleLifecycle lifecycle)) {
                continue;
            }
            Optional<ModuleRecord> record = records.stream().filter(r -> r.id().equals(module.id())).findFirst();
            if (!records.isEmpty() && record.isEmpty()) {
                continue; // the module did not contribute to this container
            }
            // Without records (a creation that failed or timed out inside the spec stage) the module is told
            // to free whatever this container holds.
            Map<String, String> facts = record.map(ModuleRecord::facts).orElse(Map.of());
            try {
                lifecycle.release(id, facts);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "isolation module " + module.id() + ": release " + id + ": " + e, e);
            }
        }
    }

    /** What running container {@code c} uses, from the module that contributed to it and reads resources. */
    ResourceUsage usage(Container c) throws BerthException {
        Module monitor = c.modules().stream().map(r -> module(r.id())).flatMap(Optional::stream)
                .filter(m -> m.service() instanceof ResourceMonitor).findFirst()
                .or(() -> modules().stream().filter(m -> m.service() instanceof ResourceMonitor).findFirst())
                .orElseThrow(() -> new BerthException(ErrorKind.UNAVAILABLE, "stats: no isolation module reads "
                        + "resource use (is the cgroups module installed and active?)"));
        return ((ResourceMonitor) monitor.service()).usage(watched(c, c.module(monitor.id())
                .map(ModuleRecord::facts).orElse(Map.of())));
    }

    private Optional<Module> module(String id) {
        return modules.values().stream().filter(m -> m.id().equals(id)).findFirst();
    }

    private void watch(Container c, Module module, ModuleRecord record) {
        if (!(module.service() instanceof ContainerWatcher watcher) || c.pid() <= 0) {
            return;
        }
        if (containers.get().stream().noneMatch(now -> now.id().equals(c.id()) && now.running())) {
            return; // ended meanwhile: a watch now would outlive it
        }
        Map<String, AutoCloseable> byModule = watches.computeIfAbsent(c.id(), k -> new ConcurrentHashMap<>());
        if (byModule.containsKey(module.id())) {
            return;
        }
        try {
            AutoCloseable handle = watcher.watch(watched(c, record.facts()), o -> observed.accept(c, module.id(), o));
            close(byModule.put(module.id(), handle));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "isolation module " + module.id() + ": watch " + c.id() + ": " + e, e);
        }
    }

    private static WatchedContainer watched(Container c, Map<String, String> facts) {
        return new WatchedContainer(c.id(), c.pid(), "/berth/" + c.id(), facts);
    }

    private static void close(AutoCloseable handle) {
        if (handle == null) {
            return;
        }
        try {
            handle.close();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "stop watching a container: " + e, e);
        }
    }
}
