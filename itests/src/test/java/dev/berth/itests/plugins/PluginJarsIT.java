package dev.berth.itests.plugins;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.ImageReference;
import dev.berth.api.image.Platform;
import dev.berth.api.plugin.PluginProperties;
import dev.berth.api.stage.PullRequest;
import dev.berth.api.stage.PullStage;
import dev.berth.api.stage.StageProgress;
import dev.berth.itests.plugins.faulty.EchoPullStage;
import dev.berth.itests.plugins.faulty.FailingActivationPullStage;
import dev.berth.itests.plugins.faulty.ThrowingPullStage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.inject.Inject;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Checks the plugin jars {@link PluginJar} and {@link FaultyPlugins} write, by installing them into the
 * real built-in bundle set (the engine runs alongside) and seeing what Felix and SCR make of them: the
 * well-formed ones start and register their pull stage, the faulty ones fail exactly as designed, the
 * unresolvable ones refuse to start naming the package, and a reversioned built-in jar differs from its
 * original only in Bundle-Version. Every test removes what it installed and then checks the engine is
 * still healthy.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PluginJarsIT {
    private static final long WAIT_MILLIS = 10_000;

    @Inject
    private BundleContext context;

    private Path dir;
    private final List<Bundle> installed = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    @Configuration
    public Option[] config() throws IOException {
        return BuiltInBundleSet.options();
    }

    @Before
    public void engineIsUp() throws Exception {
        ServiceTracker<Object, Object> ready = new ServiceTracker<>(context,
                context.createFilter("(" + PluginProperties.API_READY + "=*)"), null);
        ready.open();
        try {
            assertNotNull("the API server did not get ready within 30 s", ready.waitForService(30_000));
        } finally {
            ready.close();
        }
        dir = Files.createTempDirectory("berth-plugin-jars-");
    }

    @After
    public void removeAndCheckHealth() throws Exception {
        for (Thread thread : threads) {
            thread.interrupt();
            thread.join(WAIT_MILLIS);
        }
        for (Bundle bundle : installed) {
            if (bundle.getState() != Bundle.UNINSTALLED) {
                bundle.uninstall();
            }
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
        assertEngineHealthy();
    }

    @Test
    public void throwingPluginStartsAndItsPullThrows() throws Exception {
        Path jar = FaultyPlugins.throwing(dir);
        assertArrayEquals("the same inputs give the same bytes", Files.readAllBytes(jar),
                Files.readAllBytes(FaultyPlugins.throwing(dir.resolve("again"))));
        Bundle bundle = installAndStart(jar);
        assertEquals(Bundle.ACTIVE, bundle.getState());
        PullStage stage = pullStageOf(bundle, FaultyPlugins.THROWING_ID);
        PullRequest request = request("example.test/itest/throwing:1");
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> stage.pull(request, StageProgress.NONE));
        assertEquals(ThrowingPullStage.MESSAGE + ": pull of " + request.reference() + " refused", thrown.getMessage());
        System.out.println("[PluginJarsIT] throwing: " + thrown);
    }

    @Test
    public void hangingPluginBlocksUntilInterrupted() throws Exception {
        Bundle bundle = installAndStart(FaultyPlugins.hanging(dir));
        assertEquals(Bundle.ACTIVE, bundle.getState());
        PullStage stage = pullStageOf(bundle, FaultyPlugins.HANGING_ID);
        PullRequest request = request("example.test/itest/hanging:1");
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                stage.pull(request, StageProgress.NONE);
                outcome.set(new AssertionError("pull returned"));
            } catch (Throwable e) {
                outcome.set(e);
            }
        }, "itest-hanging-pull");
        threads.add(caller);
        caller.start();
        caller.join(300);
        assertTrue("the hanging pull ended by itself: " + outcome.get(), caller.isAlive());
        assertEquals("parked, not spinning", Thread.State.WAITING, caller.getState());
        caller.interrupt();
        caller.join(WAIT_MILLIS);
        assertFalse("the hanging pull ignored the interrupt", caller.isAlive());
        Throwable ended = outcome.get();
        assertTrue("ended with " + ended, ended instanceof BerthException);
        assertEquals(ErrorKind.UNAVAILABLE, ((BerthException) ended).kind());
        assertEquals("pull of " + request.reference() + ": interrupted", ended.getMessage());
        System.out.println("[PluginJarsIT] hanging: " + ended);
    }

    @Test
    public void echoPluginsAnswerWithTheirOwnVersion() throws Exception {
        Bundle first = installAndStart(FaultyPlugins.echo(dir, "1.0.0"));
        Bundle second = installAndStart(FaultyPlugins.echo(dir, "1.1.0"));
        PullRequest request = request("example.test/itest/echo:1");
        for (Bundle bundle : List.of(first, second)) {
            assertEquals(Bundle.ACTIVE, bundle.getState());
            PullStage stage = pullStageOf(bundle, FaultyPlugins.ECHO_ID);
            BerthException thrown = assertThrows(BerthException.class, () -> stage.pull(request, StageProgress.NONE));
            assertEquals(ErrorKind.NOT_FOUND, thrown.kind());
            assertEquals(EchoPullStage.PREFIX + bundle.getVersion() + ": " + request.reference(), thrown.getMessage());
            System.out.println("[PluginJarsIT] echo " + bundle.getVersion() + ": " + thrown.getMessage());
        }
        assertEquals(new Version(1, 1, 0), second.getVersion());
    }

    @Test
    public void failingActivationLeavesTheBundleActiveAndTheComponentFailed() throws Exception {
        Bundle bundle = installAndStart(FaultyPlugins.failingActivation(dir));
        assertEquals(Bundle.ACTIVE, bundle.getState());
        ServiceComponentRuntime scr = context.getService(context.getServiceReference(ServiceComponentRuntime.class));
        ComponentConfigurationDTO configuration = null;
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            configuration = configurationOf(scr, bundle);
            if (configuration != null && configuration.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                break;
            }
            Thread.sleep(50);
        }
        assertNotNull("SCR has no configuration of " + bundle.getSymbolicName(), configuration);
        String failure = configuration.failure == null ? "null" : configuration.failure.lines()
                .filter(line -> !line.startsWith("\t")).collect(Collectors.joining(" | "));
        System.out.println("[PluginJarsIT] failing activation: SCR state " + configuration.state
                + ", failure (stack frames left out): " + failure);
        // An immediate component's service is registered before SCR constructs the component, and stays
        // registered after construction failed: getService answers null.
        Collection<ServiceReference<PullStage>> registered = context.getServiceReferences(PullStage.class,
                "(" + PluginProperties.ID + "=" + FaultyPlugins.ACTIVATION_ID + ")");
        List<String> answers = new ArrayList<>();
        for (ServiceReference<PullStage> reference : registered) {
            answers.add("service " + reference.getProperty(Constants.SERVICE_ID) + " -> " + context.getService(reference));
            context.ungetService(reference);
        }
        System.out.println("[PluginJarsIT] failing activation: PullStage services still registered: " + answers);
        assertEquals("state (failure " + configuration.failure + ")", ComponentConfigurationDTO.FAILED_ACTIVATION,
                configuration.state);
        assertNotNull(configuration.failure);
        assertTrue(configuration.failure, configuration.failure.contains(FailingActivationPullStage.MESSAGE));
    }

    @Test
    public void incompatibleSpiDoesNotResolve() throws Exception {
        assertStartFailsNaming(FaultyPlugins.incompatibleSpi(dir), "dev.berth.api.stage");
    }

    @Test
    public void missingImportDoesNotResolve() throws Exception {
        assertStartFailsNaming(FaultyPlugins.missingImport(dir), "com.example.nowhere");
    }

    @Test
    public void reversionedSpecPluginDiffersOnlyInBundleVersion() throws Exception {
        Path original = builtIn("dev.berth.plugin.spec");
        Path copy = PluginJar.reversion(original, dir.resolve("spec-reversioned.jar"), "0.1.1.itest");

        Manifest before = manifestOf(original);
        Manifest after;
        try (JarInputStream in = new JarInputStream(Files.newInputStream(copy))) {
            after = in.getManifest();
        }
        assertNotNull("JarInputStream finds no manifest at the start of " + copy, after);
        assertEquals("0.1.1.itest", after.getMainAttributes().getValue(Constants.BUNDLE_VERSION));
        Map<String, String> expected = headers(before);
        expected.put(Constants.BUNDLE_VERSION, "0.1.1.itest");
        assertEquals(expected, headers(after));
        assertEquals(before.getEntries(), after.getEntries());

        try (ZipFile a = new ZipFile(original.toFile()); ZipFile b = new ZipFile(copy.toFile())) {
            List<? extends ZipEntry> left = list(a.entries());
            List<? extends ZipEntry> right = list(b.entries());
            assertEquals(left.stream().map(ZipEntry::getName).toList(), right.stream().map(ZipEntry::getName).toList());
            for (int i = 0; i < left.size(); i++) {
                ZipEntry x = left.get(i);
                ZipEntry y = right.get(i);
                if (x.getName().equals(JarFile.MANIFEST_NAME)) {
                    String oldVersion = before.getMainAttributes().getValue(Constants.BUNDLE_VERSION);
                    String text = new String(read(a, x), StandardCharsets.ISO_8859_1);
                    String eol = text.contains("\r\n") ? "\r\n" : "\n";
                    assertEquals("the manifest changes in the Bundle-Version line only",
                            text.replace("Bundle-Version: " + oldVersion + eol, "Bundle-Version: 0.1.1.itest" + eol),
                            new String(read(b, y), StandardCharsets.ISO_8859_1));
                    continue;
                }
                assertArrayEquals(x.getName(), read(a, x), read(b, y));
                assertEquals(x.getName(), x.getTime(), y.getTime());
                assertEquals(x.getName(), x.getMethod(), y.getMethod());
            }
        }

        // And it is a bundle Felix takes as a second version of the built-in spec plugin.
        Bundle bundle = context.installBundle(copy.toUri().toString());
        installed.add(bundle);
        assertEquals("dev.berth.plugin.spec", bundle.getSymbolicName());
        assertEquals(Version.parseVersion("0.1.1.itest"), bundle.getVersion());
        bundle.start();
        assertEquals(Bundle.ACTIVE, bundle.getState());
        System.out.println("[PluginJarsIT] reversioned " + original.getFileName() + " from "
                + before.getMainAttributes().getValue(Constants.BUNDLE_VERSION) + " to " + bundle.getVersion()
                + ": ACTIVE as bundle " + bundle.getBundleId());
    }

    private void assertStartFailsNaming(Path jar, String packageName) throws Exception {
        Bundle bundle = context.installBundle(jar.toUri().toString());
        installed.add(bundle);
        BundleException thrown = assertThrows(BundleException.class, bundle::start);
        System.out.println("[PluginJarsIT] " + bundle.getSymbolicName() + " start(): BundleException type "
                + thrown.getType() + ": " + thrown.getMessage());
        assertEquals(BundleException.RESOLVE_ERROR, thrown.getType());
        assertTrue(thrown.getMessage(), thrown.getMessage().contains(packageName));
        assertEquals(Bundle.INSTALLED, bundle.getState());
    }

    private Bundle installAndStart(Path jar) throws BundleException {
        Bundle bundle = context.installBundle(jar.toUri().toString());
        installed.add(bundle);
        bundle.start();
        return bundle;
    }

    /** The PullStage service {@code bundle} registers with plugin id {@code id}, waiting for SCR. */
    private PullStage pullStageOf(Bundle bundle, String id) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        do {
            Collection<ServiceReference<PullStage>> references = context.getServiceReferences(PullStage.class,
                    "(&(" + PluginProperties.STAGE + "=" + PullStage.STAGE + ")(" + PluginProperties.ID + "=" + id + "))");
            for (ServiceReference<PullStage> reference : references) {
                if (reference.getBundle().equals(bundle)) {
                    PullStage stage = context.getService(reference);
                    if (stage != null) {
                        return stage;
                    }
                }
            }
            Thread.sleep(50);
        } while (System.currentTimeMillis() < deadline);
        throw new AssertionError(bundle.getSymbolicName() + " " + bundle.getVersion() + " registered no pull stage "
                + id + " within " + WAIT_MILLIS + " ms");
    }

    private static ComponentConfigurationDTO configurationOf(ServiceComponentRuntime scr, Bundle bundle) {
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs(bundle)) {
            for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(description)) {
                return configuration;
            }
        }
        return null;
    }

    private static PullRequest request(String reference) {
        return new PullRequest(ImageReference.parse(reference), Platform.parse("linux/amd64"), Set.of());
    }

    /** The jar of the distribution's bundles/ folder whose Bundle-SymbolicName is {@code symbolicName}. */
    private static Path builtIn(String symbolicName) throws IOException {
        try (Stream<Path> jars = Files.list(BuiltInBundleSet.home().resolve("bundles"))) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                String name = manifestOf(jar).getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
                if (name != null && name.split(";")[0].trim().equals(symbolicName)) {
                    return jar;
                }
            }
        }
        throw new AssertionError("no " + symbolicName + " jar in " + BuiltInBundleSet.home().resolve("bundles"));
    }

    private static Manifest manifestOf(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.getManifest();
        }
    }

    private static Map<String, String> headers(Manifest manifest) {
        Map<String, String> headers = new TreeMap<>();
        for (Map.Entry<Object, Object> entry : manifest.getMainAttributes().entrySet()) {
            headers.put(((Attributes.Name) entry.getKey()).toString(), (String) entry.getValue());
        }
        return headers;
    }

    private static <T> List<T> list(Enumeration<T> all) {
        List<T> list = new ArrayList<>();
        while (all.hasMoreElements()) {
            list.add(all.nextElement());
        }
        return list;
    }

    private static byte[] read(ZipFile zip, ZipEntry entry) throws IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            return in.readAllBytes();
        }
    }

    /** The engine survived: no fatal marker, every bundle ACTIVE, every Berth component satisfied, one pull stage. */
    private void assertEngineHealthy() throws Exception {
        ServiceReference<?>[] fatal = context.getServiceReferences((String) null, "(" + PluginProperties.FATAL + "=*)");
        assertNull("fatal markers: " + (fatal == null ? "" : fatal[0].getProperty(PluginProperties.FATAL)), fatal);
        List<String> notActive = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) == null && bundle.getState() != Bundle.ACTIVE) {
                notActive.add(bundle.getSymbolicName() + " " + bundle.getVersion() + " state " + bundle.getState());
            }
        }
        assertEquals("bundles not ACTIVE", List.of(), notActive);
        ServiceComponentRuntime scr = context.getService(context.getServiceReference(ServiceComponentRuntime.class));
        List<String> unsatisfied = new ArrayList<>();
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs()) {
            if (!description.bundle.symbolicName.startsWith("dev.berth.")) {
                continue;
            }
            for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(description)) {
                if (configuration.state != ComponentConfigurationDTO.ACTIVE
                        && configuration.state != ComponentConfigurationDTO.SATISFIED) {
                    unsatisfied.add(description.name + " state " + configuration.state + " unsatisfied references "
                            + Arrays.toString(configuration.unsatisfiedReferences) + " failure " + configuration.failure);
                }
            }
        }
        assertEquals("Berth components not satisfied", List.of(), unsatisfied);
        Collection<ServiceReference<PullStage>> pulls = context.getServiceReferences(PullStage.class,
                "(" + PluginProperties.STAGE + "=" + PullStage.STAGE + ")");
        assertEquals("pull stages left: " + pulls, 1, pulls.size());
        assertEquals("dev.berth.plugin.pull", pulls.iterator().next().getBundle().getSymbolicName());
    }
}
