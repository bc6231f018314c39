package dev.berth.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;

import dev.berth.api.bus.BusAddresses;
import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import dev.berth.api.plugin.PluginProperties;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Boots the real built-in bundle set (the jars of the built distribution's bundles/ folder) on Felix
 * with Pax Exam, and checks the foundation from inside the framework.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BundleSetIT {

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() throws IOException {
        return dev.berth.itests.plugins.BuiltInBundleSet.options();
    }

    private <T> T await(Class<T> type, String filter) throws Exception {
        String full = "(&(" + Constants.OBJECTCLASS + "=" + type.getName() + ")" + (filter == null ? "" : filter) + ")";
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, context.createFilter(full), null);
        tracker.open();
        T service = tracker.waitForService(30_000);
        assertNotNull("no " + type.getSimpleName() + " service " + full + " within 30 s", service);
        return service;
    }

    @Test
    public void everyBundleIsActiveAndEveryComponentSatisfied() throws Exception {
        await(Object.class, "(" + PluginProperties.API_READY + "=*)");
        ServiceReference<?>[] fatal = context.getServiceReferences((String) null, "(" + PluginProperties.FATAL + "=*)");
        assertEquals("fatal markers: " + (fatal == null ? "" : fatal[0].getProperty(PluginProperties.FATAL)),
                null, fatal);
        List<String> notActive = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            boolean fragment = bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            if (!fragment && bundle.getState() != Bundle.ACTIVE) {
                notActive.add(bundle.getSymbolicName() + " state " + bundle.getState());
            }
        }
        assertEquals("bundles not ACTIVE", List.of(), notActive);

        ServiceComponentRuntime scr = await(ServiceComponentRuntime.class, null);
        List<String> berthComponents = new ArrayList<>();
        List<String> unsatisfied = new ArrayList<>();
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs()) {
            if (description.bundle.symbolicName.startsWith("dev.berth.")) {
                berthComponents.add(description.name);
            }
            if (!scr.isComponentEnabled(description)) {
                unsatisfied.add(description.name + " disabled");
                continue;
            }
            var configurations = scr.getComponentConfigurationDTOs(description);
            if (configurations.isEmpty()) {
                unsatisfied.add(description.name + " has no configuration");
            }
            for (ComponentConfigurationDTO configuration : configurations) {
                if (configuration.state != ComponentConfigurationDTO.ACTIVE
                        && configuration.state != ComponentConfigurationDTO.SATISFIED) {
                    unsatisfied.add(description.name + " state " + configuration.state + " unsatisfied references "
                            + Arrays.toString(configuration.unsatisfiedReferences) + " failure " + configuration.failure);
                }
            }
        }
        assertEquals("DS components not satisfied", List.of(), unsatisfied);
        for (String expected : List.of("dev.berth.eventlog.impl.EventLogComponent", "dev.berth.bus.impl.VertxComponent",
                "dev.berth.bus.impl.LogToBusBridge", "dev.berth.engine.impl.EngineComponent",
                "dev.berth.apiserver.impl.ApiServerComponent", "dev.berth.dockerapi.impl.DockerApiComponent",
                "dev.berth.engine.impl.StageBusComponent",
                "dev.berth.plugin.pull.impl.RegistryPullStage", "dev.berth.plugin.expand.impl.TarExpandStage",
                "dev.berth.plugin.archive.impl.TarArchiveStage")) {
            assertTrue(expected + " missing from " + berthComponents, berthComponents.contains(expected));
        }
    }

    @Test
    public void anAppendedEventIsOnDiskAndPublishedOnTheBus() throws Exception {
        EventLog log = await(EventLog.class, null);
        Vertx vertx = await(Vertx.class, null);
        String subject = "itest-" + UUID.randomUUID();
        CompletableFuture<String> published = new CompletableFuture<>();
        MessageConsumer<String> consumer = vertx.eventBus().consumer(BusAddresses.eventAddress("note.added"), m -> {
            if (m.body().contains(subject)) {
                published.complete(m.body());
            }
        });
        consumer.completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        try {
            EventRecord record = log.append(new EventDraft("note.added", 1, subject, "{\"message\":\"from pax exam\"}"))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            String envelope = published.get(10, TimeUnit.SECONDS);
            assertTrue(envelope, envelope.contains("\"sequence\":" + record.sequence() + ","));
            assertTrue(envelope, envelope.contains(record.hash().hex()));

            Path events = Path.of(context.getProperty(PluginProperties.ROOT_PROPERTY), "events");
            byte[] needle = subject.getBytes(StandardCharsets.UTF_8);
            boolean onDisk = false;
            try (Stream<Path> segments = Files.list(events)) {
                for (Path segment : segments.toList()) {
                    onDisk |= indexOf(Files.readAllBytes(segment), needle) >= 0;
                }
            }
            assertTrue("subject " + subject + " not found in any segment under " + events, onDisk);
            try (EventCursor cursor = log.read(record.sequence())) {
                assertTrue(cursor.hasNext());
                assertEquals(record, cursor.next());
            }
        } finally {
            consumer.unregister();
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
