package dev.berth.eventlog.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.BerthException;
import dev.berth.api.event.EventRecord;
import dev.berth.api.plugin.PluginProperties;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;

/**
 * The component's own behaviour: where it opens the log, the fatal marker and the log.recovered event.
 * The framework is stood in for by a bundle context that answers the two calls the component makes; the
 * itests boot it in real Felix and SCR.
 */
class EventLogComponentTest {
    @TempDir
    Path root;

    /** Records what the component registers. */
    private final List<Map<String, Object>> registered = new ArrayList<>();

    @Test
    void opensTheLogUnderTheStateRootAndClosesItOnDeactivate() throws Exception {
        EventLogComponent component = new EventLogComponent(context(root.toString()));
        EventRecord first = component.append(LogFiles.note("hello")).toCompletableFuture().join();
        assertEquals(1, first.sequence());
        assertEquals(1, component.head().sequence());
        assertTrue(Files.exists(root.resolve("events").resolve(SegmentFormat.fileName(1))));
        component.deactivate();
        CompletionException e = assertThrows(CompletionException.class,
                () -> component.append(LogFiles.note("late")).toCompletableFuture().join());
        assertEquals("event log is closed", e.getCause().getMessage());
        assertEquals(List.of(), registered);
    }

    @Test
    void exportAndArchiveReachTheLog() throws Exception {
        EventLogComponent component = new EventLogComponent(context(root.toString()));
        try {
            component.append(LogFiles.note("exported")).toCompletableFuture().join();
            Path target = root.resolve("export.log");
            assertEquals(1, component.export(1, 1, target).records());
            assertTrue(ExportedFiles.verify(target).intact());
            assertEquals(List.of(), component.archive(Long.MAX_VALUE), "one segment: the current one stays live");
            assertEquals(List.of(), component.archived());
        } finally {
            component.deactivate();
        }
        assertEquals(List.of(), registered);
    }

    @Test
    void aCorruptedLogRegistersTheFatalMarkerAndFailsActivation() throws Exception {
        Path events = root.resolve("events");
        try (SegmentedEventLog log = SegmentedEventLog.open(events)) {
            LogFiles.appendNotes(log, 5, "fatal");
        }
        Path file = LogFiles.segments(events).get(0);
        LogFiles.Frame second = LogFiles.frames(file).get(1);
        LogFiles.flip(file, second.offset() + 20);

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new EventLogComponent(context(root.toString())));
        String message = "event log corrupted: " + file + " at offset " + second.offset() + ": body CRC mismatch";
        assertEquals(message, e.getMessage());
        assertInstanceOf(BerthException.class, e.getCause());
        assertEquals(List.of(Map.of(PluginProperties.FATAL, message)), registered);
    }

    @Test
    void anUnusableStateRootRegistersTheFatalMarker() throws Exception {
        Path notADirectory = root.resolve("file");
        Files.writeString(notADirectory, "x");
        assertThrows(IllegalStateException.class, () -> new EventLogComponent(context(notADirectory.toString())));
        assertEquals(1, registered.size());
        String message = (String) registered.get(0).get(PluginProperties.FATAL);
        assertTrue(message.startsWith("open event log " + notADirectory.resolve("events") + ": "), message);
    }

    @Test
    void aTornTailIsRecordedAsLogRecovered() throws Exception {
        Path events = root.resolve("events");
        try (SegmentedEventLog log = SegmentedEventLog.open(events)) {
            LogFiles.appendNotes(log, 4, "torn");
        }
        Path file = LogFiles.segments(events).get(0);
        LogFiles.Frame last = LogFiles.frames(file).get(3);
        LogFiles.truncate(file, last.offset() + 17);

        EventLogComponent component = new EventLogComponent(context(root.toString()));
        try {
            assertEquals(4, component.head().sequence());
            List<EventRecord> records = new ArrayList<>();
            component.read(4).forEachRemaining(records::add);
            EventRecord recovered = records.get(0);
            assertEquals("log.recovered", recovered.type());
            assertEquals(1, recovered.version());
            assertEquals("log", recovered.subject());
            assertEquals("{\"segment\":\"" + file.getFileName() + "\",\"offset\":" + last.offset()
                    + ",\"bytesDropped\":17}", recovered.payload());
            assertEquals(List.of(), registered);
        } finally {
            component.deactivate();
        }
    }

    @Test
    void theDefaultRootIsVarLibBerth() {
        assertEquals("/var/lib/berth", EventLogComponent.DEFAULT_ROOT);
    }

    private BundleContext context(String rootProperty) {
        return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {BundleContext.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getProperty":
                            return PluginProperties.ROOT_PROPERTY.equals(args[0]) ? rootProperty : null;
                        case "registerService":
                            assertEquals(Object.class, args[0]);
                            Dictionary<?, ?> properties = (Dictionary<?, ?>) args[2];
                            Map<String, Object> copy = new java.util.HashMap<>();
                            for (var keys = properties.keys(); keys.hasMoreElements();) {
                                Object key = keys.nextElement();
                                copy.put((String) key, properties.get(key));
                            }
                            registered.add(copy);
                            return null;
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"0", "4095", "-1", "64k", "9999999999999999999999"})
    void aSegmentSizeTheLogCannotTakeIsRefusedByName(String value) {
        BerthException e = assertThrows(BerthException.class, () -> EventLogComponent.segmentBytes(value));
        assertTrue(e.getMessage().contains("berth.log.segment.bytes") && e.getMessage().contains(value), e.getMessage());
    }

    @Test
    void theSegmentSizeDefaultsTo64MiB() throws BerthException {
        assertEquals(64L << 20, EventLogComponent.segmentBytes(null));
        assertEquals(65536, EventLogComponent.segmentBytes(" 65536 "));
    }
}
