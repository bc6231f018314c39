package dev.berth.launcher.daemon;

import dev.berth.api.plugin.PluginProperties;
import dev.berth.launcher.BerthVersion;
import dev.berth.launcher.Builtins;
import dev.berth.launcher.ExitCodes;
import dev.berth.launcher.daemon.BuiltinSet.BuiltinJar;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.apache.felix.framework.Felix;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Runs {@code berth daemon}: checks user and folders, locks the state root, boots Felix with the built-in
 * bundles in {@link Builtins} order, waits for the API server's {@code berth.api.ready} service, prints the
 * ready line and then runs until a stop is requested or a bundle registers {@code berth.fatal}. The framework
 * is stopped on every way out. {@link #run()} is called once, from one thread; {@link #requestStop()} may be
 * called from any thread (the shutdown hook).
 */
public final class Daemon {

    /** How long a stopping framework may take. */
    static final long STOP_TIMEOUT_MILLIS = 30_000;
    /** The start of the line on standard error that says the warm-up ({@link WarmUp}) ran to its end. */
    static final String WARMED_UP = "berth daemon: warmed up in ";

    private static final String WATCH_FILTER =
            "(|(" + PluginProperties.FATAL + "=*)(" + PluginProperties.API_READY + "=*))";

    private final DaemonOptions options;
    private final Path home;
    private final PrintStream out;
    private final PrintStream err;
    private final LongSupplier effectiveUid;
    private final List<String> builtins;

    private final LinkedBlockingQueue<Object> wakeups = new LinkedBlockingQueue<>();
    private final AtomicReference<String> fatal = new AtomicReference<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopRequested;
    private volatile boolean frameworkStopped;
    private volatile int exitCode = ExitCodes.ERROR;
    /** Orders the warm-up's report (another thread) against the line that ends the running phase. */
    private final Object runningLines = new Object();
    /** False once {@link #runUntilStopped()} has printed why it ends; guarded by {@link #runningLines}. */
    private boolean running = true;

    /**
     * Creates the daemon.
     *
     * @param options      parsed options
     * @param home         the distribution home holding {@code bundles/}
     * @param out          standard output: only the ready line is written here
     * @param err          standard error: every other message
     * @param effectiveUid supplies the effective uid (root is 0)
     */
    public Daemon(DaemonOptions options, Path home, PrintStream out, PrintStream err, LongSupplier effectiveUid) {
        this(options, home, out, err, effectiveUid, Builtins.SYMBOLIC_NAMES);
    }

    /** Creates a daemon that boots {@code builtins} instead of {@link Builtins#SYMBOLIC_NAMES}; for tests. */
    Daemon(DaemonOptions options, Path home, PrintStream out, PrintStream err, LongSupplier effectiveUid,
            List<String> builtins) {
        this.options = options;
        this.home = home;
        this.out = out;
        this.err = err;
        this.effectiveUid = effectiveUid;
        this.builtins = List.copyOf(builtins);
    }

    /** Runs the daemon until it stops; returns the exit code. */
    public int run() {
        int code = ExitCodes.ERROR;
        try {
            checkPreconditions();
            List<BuiltinJar> jars = BuiltinSet.withUpdates(BuiltinSet.resolve(home.resolve("bundles"), builtins),
                    options.root().resolve("builtins"), err);
            DaemonLock lock = acquireLock();
            try {
                code = boot(jars);
            } finally {
                lock.close();
            }
        } catch (DaemonException e) {
            err.println("berth daemon: " + e.getMessage());
        } catch (RuntimeException e) {
            err.println("berth daemon: unexpected failure: " + describe(e));
            e.printStackTrace(err);
        } finally {
            exitCode = code;
            finished.countDown();
        }
        return code;
    }

    /**
     * The checks before anything is locked or booted: root user, state root and run folder writable, plugins
     * folder present.
     */
    public void checkPreconditions() throws DaemonException {
        long uid = effectiveUid.getAsLong();
        if (uid != 0) {
            throw new DaemonException("must run as root (effective uid is " + uid + ")");
        }
        StateFolders.prepare(options.root(), options.run());
        Path plugins = options.plugins();
        if (!Files.isDirectory(plugins)) {
            try {
                Files.createDirectories(plugins);
            } catch (IOException e) {
                throw new DaemonException("cannot create plugins folder " + plugins + ": " + IoErrors.cause(e), e);
            }
        }
    }

    /** Takes the state root's lock for this process. */
    public DaemonLock acquireLock() throws DaemonException {
        return DaemonLock.acquire(options.root(), options.run(), ProcessHandle.current().pid());
    }

    /**
     * Asks a running daemon to stop and waits until {@link #run()} has returned.
     *
     * @return the exit code of {@link #run()}, or 1 if it did not return within the stop timeout
     */
    public int requestStopAndAwait() {
        requestStop();
        try {
            if (finished.await(STOP_TIMEOUT_MILLIS + 15_000, TimeUnit.MILLISECONDS)) {
                return exitCode;
            }
            err.println("berth daemon: did not stop in time; exiting anyway");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ExitCodes.ERROR;
    }

    /** Asks the daemon to stop; returns at once. */
    public void requestStop() {
        stopRequested = true;
        wakeups.offer(Boolean.TRUE);
    }

    /** The framework properties for this daemon's options. */
    Map<String, Object> frameworkProperties() {
        Map<String, Object> properties = new HashMap<>();
        properties.put(Constants.FRAMEWORK_STORAGE, options.run().resolve("felix-cache").toString());
        properties.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        // Netty needs sun.misc (Unsafe) and sun.nio.ch from the JDK.
        properties.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, "sun.misc,sun.nio.ch");
        // berth plugin update reads the new jar as a bundle next to the running one, which may have the same
        // symbolic name and version (a rebuild): let the framework hold both for that moment.
        properties.put(Constants.FRAMEWORK_BSNVERSION, Constants.FRAMEWORK_BSNVERSION_MULTIPLE);
        properties.put("felix.fileinstall.dir", options.plugins().toString());
        properties.put("felix.fileinstall.poll", "100"); // a dropped jar is picked up within 0.1 s
        // Only whole jars and configurations (*.cfg, *.config): berth plugin install writes ".NAME.jar.*.part"
        // first and renames it when complete.
        properties.put("felix.fileinstall.filter", "[^.].*\\.(jar|cfg|config)");
        properties.put("felix.fileinstall.noInitialDelay", "true");
        properties.put("felix.fileinstall.bundles.new.start", "true");
        properties.put("felix.fileinstall.log.level", "3");
        properties.put(PluginProperties.ROOT_PROPERTY, options.root().toString());
        properties.put(PluginProperties.RUN_PROPERTY, options.run().toString());
        properties.put(PluginProperties.VERSION_PROPERTY, BerthVersion.get());
        options.tcp().ifPresent(tcp -> properties.put(PluginProperties.TCP_PROPERTY, tcp));
        options.tls().ifPresent(tls -> {
            properties.put(PluginProperties.TLS_CERT_PROPERTY, tls.cert().toString());
            properties.put(PluginProperties.TLS_KEY_PROPERTY, tls.key().toString());
            properties.put(PluginProperties.TLS_CA_PROPERTY, tls.clientCa().toString());
        });
        properties.put(PluginProperties.BUILTINS_PROPERTY, String.join(",", builtins));
        options.stageTimeout().ifPresent(t -> properties.put("berth.stage.timeout", Long.toString(t.toSeconds())));
        return properties;
    }

    private int boot(List<BuiltinJar> jars) throws DaemonException {
        err.println("berth daemon: starting " + BerthVersion.get() + " (state root " + options.root() + ", run folder "
                + options.run() + ", plugins " + options.plugins() + ")");
        Framework framework = new Felix(frameworkProperties());
        try {
            try {
                framework.init();
            } catch (BundleException e) {
                throw new DaemonException("cannot start the OSGi framework: " + describe(e), e);
            }
            BundleContext context = framework.getBundleContext();
            try {
                context.addServiceListener(this::serviceChanged, WATCH_FILTER);
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException("bad service filter " + WATCH_FILTER, e);
            }
            try {
                framework.start();
            } catch (BundleException e) {
                throw new DaemonException("cannot start the OSGi framework: " + describe(e), e);
            }
            watchForStop(framework);

            List<Bundle> installed = install(context, jars);
            if (!start(framework.adapt(FrameworkWiring.class), installed, jars)) {
                return ExitCodes.OK;   // Stop requested while starting.
            }
            String api = awaitReady(context, installed);
            if (api == null) {
                return ExitCodes.OK;
            }
            try (CliSocket cli = openCliSocket()) {
                out.println("berth daemon ready: API at " + api + ", state root " + options.root());
                out.flush();
                int code;
                // A stop ends the warm-up; its end goes to standard error while the daemon still runs.
                try (WarmUp warmUp = WarmUp.start(api, () -> bundleWarmUps(context), this::warmUpEnded)) {
                    if (cli != null) {
                        cli.onSession(warmUp::close); // so does the first command, which warms what it uses
                    }
                    code = runUntilStopped();
                }
                CdsTraining.fromProperties().ifPresent(training -> training.linkLoadedClasses(installed, jars, err));
                return code;
            }
        } finally {
            stopFramework(framework);
        }
    }

    /**
     * Prints how the warm-up ended: {@link #WARMED_UP} and the time, or that it was cut short. Nothing once the
     * daemon is stopping: the warm-up thread is not waited for, and its report would otherwise land after the
     * line that says why the daemon ends, which is meant to be the last of the running phase.
     */
    void warmUpEnded(boolean complete, long millis) {
        synchronized (runningLines) {
            if (running) {
                err.println(warmUpLine(complete, millis));
                err.flush();
            }
        }
    }

    static String warmUpLine(boolean complete, long millis) {
        if (complete) {
            return WARMED_UP + millis + " ms";
        }
        return "berth daemon: warm-up cut short after " + millis + " ms (a command came first)";
    }

    /** Ends the running phase with {@code line} on standard error; returns {@code code}. */
    int endRunning(int code, String line) {
        synchronized (runningLines) {
            running = false;
            err.println(line);
        }
        return code;
    }

    /**
     * The bundles' warm-ups ({@link PluginProperties#WARM_UP} services), in service ranking order, each of which
     * gets its service when it runs and releases it afterwards; none when the framework is stopping.
     */
    static List<Runnable> bundleWarmUps(BundleContext context) {
        List<ServiceReference<Runnable>> references;
        try {
            references = new ArrayList<>(context.getServiceReferences(Runnable.class,
                    "(" + PluginProperties.WARM_UP + "=*)"));
        } catch (InvalidSyntaxException | IllegalStateException e) {
            return List.of();
        }
        references.sort(Comparator.reverseOrder()); // highest ranking first, then the oldest
        List<Runnable> warmUps = new ArrayList<>();
        for (ServiceReference<Runnable> reference : references) {
            warmUps.add(() -> {
                Runnable warmUp = context.getService(reference);
                if (warmUp == null) {
                    return;   // gone since it was listed
                }
                try {
                    warmUp.run();
                } finally {
                    context.ungetService(reference);
                }
            });
        }
        return warmUps;
    }

    /**
     * The socket the native client hands its command lines to; null, with the reason on standard error, when
     * it cannot listen (the JVM CLI then serves every command, only slower).
     */
    private CliSocket openCliSocket() {
        try {
            return CliSocket.open(options.run(), err);
        } catch (IOException e) {
            err.println("berth daemon: " + e.getMessage() + "; berth commands will start their own JVM");
            return null;
        }
    }

    /** Installs every built-in, in order. */
    private List<Bundle> install(BundleContext context, List<BuiltinJar> jars) throws DaemonException {
        List<Bundle> installed = new ArrayList<>();
        for (BuiltinJar jar : jars) {
            try {
                installed.add(context.installBundle(jar.jar().toUri().toString()));
            } catch (BundleException | RuntimeException e) {
                throw new DaemonException("cannot install built-in bundle " + jar.symbolicName() + " ("
                        + BuiltinSet.display(home.resolve("bundles"), jar.jar()) + "): " + describe(e), e);
            }
        }
        return installed;
    }

    /**
     * Starts every built-in in order, except that each run of bundles that {@linkplain
     * Builtins#startsConcurrently start concurrently} is started by {@link #startThreads()} threads, and the
     * next bundle after such a run waits for all of it. Returns false if a stop was requested meanwhile.
     */
    private boolean start(FrameworkWiring wiring, List<Bundle> installed, List<BuiltinJar> jars)
            throws DaemonException {
        int i = 0;
        while (i < installed.size()) {
            int end = i;
            while (end < installed.size() && Builtins.startsConcurrently(jars.get(end).symbolicName())) {
                end++;
            }
            if (end - i > 1) {
                // Resolved together first, on this thread: a start that had to resolve its bundle could need
                // the lock of a bundle another thread is starting, and Felix breaks that by failing one of
                // the two ("Unable to acquire global lock for resolve"). A bundle that does not resolve is
                // left to its own start, which reports why.
                wiring.resolveBundles(installed.subList(i, end));
                startConcurrently(installed.subList(i, end), jars.subList(i, end));
                i = end;
            } else {
                startOne(installed.get(i), jars.get(i));
                i++;
            }
            if (stopRequested) {
                return false;
            }
        }
        checkFatal();
        return !stopRequested;
    }

    /**
     * How many threads start a concurrent run: one per processor, at least 2 (a start also waits for the
     * processes it runs, such as {@code runc --version}), at most 4.
     */
    static int startThreads() {
        return Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * Starts {@code bundles} on {@link #startThreads()} threads, each taking the next one in list order; once
     * all have been tried, the first failure in list order is thrown, so that the error does not depend on
     * timing.
     */
    private void startConcurrently(List<Bundle> bundles, List<BuiltinJar> jars) throws DaemonException {
        DaemonException[] failures = new DaemonException[bundles.size()];
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int k = next.getAndIncrement(); k < bundles.size(); k = next.getAndIncrement()) {
                try {
                    startOne(bundles.get(k), jars.get(k));
                } catch (DaemonException e) {
                    failures[k] = e;
                }
            }
        };
        List<Thread> threads = new ArrayList<>();
        for (int t = 1; t < startThreads(); t++) {
            Thread thread = new Thread(worker, "berth-start-" + t);
            thread.start();
            threads.add(thread);
        }
        worker.run();
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DaemonException("interrupted while the built-in bundles started", e);
            }
        }
        for (DaemonException failure : failures) {
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** Starts one built-in, unless a stop was requested or a fatal service appeared. */
    private void startOne(Bundle bundle, BuiltinJar jar) throws DaemonException {
        if (stopRequested) {
            return;
        }
        checkFatal();
        if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
            return;   // Fragments attach on resolution; they are never started.
        }
        try {
            bundle.start();
        } catch (BundleException | RuntimeException e) {
            throw new DaemonException("built-in bundle " + jar.symbolicName() + " " + jar.version() + " ("
                    + BuiltinSet.display(home.resolve("bundles"), jar.jar()) + ") failed to start: " + describe(e), e);
        }
    }

    /** Waits for {@code berth.api.ready}; returns its value, or null if a stop was requested. */
    private String awaitReady(BundleContext context, List<Bundle> installed) throws DaemonException {
        long deadline = System.nanoTime() + options.readyTimeout().toNanos();
        while (true) {
            pollServices(context);
            checkFatal();
            String api = firstValue(context, PluginProperties.API_READY);
            if (api != null) {
                return api;
            }
            if (stopRequested) {
                return null;
            }
            if (frameworkStopped) {
                throw new DaemonException("the OSGi framework stopped before the engine was ready");
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new DaemonException(notReady(installed));
            }
            try {
                wakeups.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(250)), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /** After the ready line: waits for a stop request, a fatal service or the framework stopping. */
    private int runUntilStopped() {
        while (true) {
            String message = fatal.get();
            if (message != null) {
                return endRunning(ExitCodes.ERROR, "berth daemon: " + message);
            }
            if (stopRequested) {
                return endRunning(ExitCodes.OK, "berth daemon: stopping");
            }
            if (frameworkStopped) {
                return endRunning(ExitCodes.ERROR, "berth daemon: the OSGi framework stopped unexpectedly");
            }
            try {
                wakeups.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ExitCodes.OK;
            }
        }
    }

    private void serviceChanged(ServiceEvent event) {
        if (event.getType() != ServiceEvent.REGISTERED && event.getType() != ServiceEvent.MODIFIED) {
            return;
        }
        Object message = event.getServiceReference().getProperty(PluginProperties.FATAL);
        if (message != null) {
            fatal.compareAndSet(null, text(message));
        }
        wakeups.offer(Boolean.TRUE);
    }

    /** Catches a fatal service registered before the listener saw it (belt and braces). */
    private void pollServices(BundleContext context) {
        String message = firstValue(context, PluginProperties.FATAL);
        if (message != null) {
            fatal.compareAndSet(null, message);
        }
    }

    private void checkFatal() throws DaemonException {
        String message = fatal.get();
        if (message != null) {
            throw new DaemonException(message);
        }
    }

    /** The value of {@code property} on the first service that has it, or null. */
    private static String firstValue(BundleContext context, String property) {
        try {
            ServiceReference<?>[] references = context.getServiceReferences((String) null, "(" + property + "=*)");
            if (references == null) {
                return null;
            }
            for (ServiceReference<?> reference : references) {
                Object value = reference.getProperty(property);
                if (value != null) {
                    return text(value);
                }
            }
            return null;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException("bad service filter for " + property, e);
        } catch (IllegalStateException e) {
            return null;   // The framework is stopping.
        }
    }

    private void watchForStop(Framework framework) {
        Thread watcher = new Thread(() -> {
            try {
                framework.waitForStop(0);
            } catch (InterruptedException e) {
                return;
            }
            frameworkStopped = true;
            wakeups.offer(Boolean.TRUE);
        }, "berth-framework-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private String notReady(List<Bundle> installed) {
        List<String> inactive = new ArrayList<>();
        for (Bundle bundle : installed) {
            boolean fragment = bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            if (!fragment && bundle.getState() != Bundle.ACTIVE) {
                inactive.add(bundle.getSymbolicName() + " (" + stateName(bundle.getState()) + ")");
            }
        }
        String waited = "not ready after " + options.readyTimeout().toSeconds() + " s: ";
        if (inactive.isEmpty()) {
            return waited + "all built-ins are active but no service has registered " + PluginProperties.API_READY
                    + " (see the API server's messages above)";
        }
        return waited + "built-ins not active: " + String.join(", ", inactive);
    }

    private void stopFramework(Framework framework) {
        int state = framework.getState();
        if ((state & (Bundle.STARTING | Bundle.ACTIVE | Bundle.STOPPING)) == 0) {
            return;
        }
        try {
            framework.stop();
            FrameworkEvent event = framework.waitForStop(STOP_TIMEOUT_MILLIS);
            if (event.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                err.println("berth daemon: the OSGi framework did not stop within "
                        + STOP_TIMEOUT_MILLIS / 1000 + " s");
            }
        } catch (BundleException e) {
            err.println("berth daemon: stopping the OSGi framework failed: " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String stateName(int state) {
        return switch (state) {
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            case Bundle.INSTALLED -> "INSTALLED (unresolved)";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> "state " + state;
        };
    }

    /** The exception's message followed by the chain of causes, on one line. */
    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(e.getMessage() == null ? e.toString() : e.getMessage());
        Throwable cause = e.getCause();
        int depth = 0;
        while (cause != null && cause != e && depth++ < 5) {
            text.append(": ").append(cause);
            cause = cause.getCause();
        }
        return text.toString().replace('\n', ' ');
    }

    /** A service property value as text; arrays and collections joined with commas. */
    static String text(Object value) {
        if (value.getClass().isArray()) {
            List<String> items = new ArrayList<>();
            for (int i = 0; i < Array.getLength(value); i++) {
                items.add(String.valueOf(Array.get(value, i)));
            }
            return String.join(",", items);
        }
        if (value instanceof Iterable<?> items) {
            List<String> texts = new ArrayList<>();
            items.forEach(item -> texts.add(String.valueOf(item)));
            return String.join(",", texts);
        }
        return value.toString();
    }
}
