package dev.berth.eventlog.impl;

import dev.berth.api.BerthException;
import dev.berth.api.event.ArchivedSegment;
import dev.berth.api.event.EnvelopeFormat;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.EventType;
import dev.berth.api.event.LogExport;
import dev.berth.api.event.LogHead;
import dev.berth.api.event.LogVerification;
import dev.berth.api.events.EngineEvents;
import dev.berth.api.events.LogRecovered;
import dev.berth.api.plugin.PluginProperties;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Offers the {@link SegmentedEventLog} in {@code <berth.root>/events} as the {@link EventLog} service.
 * Thread-safe, as the log it delegates to.
 *
 * <p>When the log cannot be opened (damage, an unusable directory) the component registers a marker
 * service whose {@link PluginProperties#FATAL} property carries the message, so the launcher stops the
 * daemon with it, and then fails activation. When opening cut off a torn tail, the component records that
 * as a {@code log.recovered} event before it offers the service.
 */
@Component(service = EventLog.class, immediate = true)
public final class EventLogComponent implements EventLog {
    /** The state root used when the framework property {@link PluginProperties#ROOT_PROPERTY} is unset. */
    public static final String DEFAULT_ROOT = PluginProperties.DEFAULT_ROOT;
    /**
     * Framework or system property: the size in bytes after which the log starts a new segment (default
     * 64 MiB, at least 4 KiB). Smaller segments can be archived sooner by {@code berth audit archive}.
     */
    static final String SEGMENT_BYTES_PROPERTY = "berth.log.segment.bytes";
    /** The subject of the log's own events. */
    static final String SUBJECT = "log";

    private final SegmentedEventLog log;

    /** Opens the log under the framework's state root; see the type description for failures. */
    @Activate
    public EventLogComponent(BundleContext context) {
        Path dir = PluginProperties.stateRoot(context::getProperty).resolve("events");
        SegmentedEventLog opened;
        try {
            opened = SegmentedEventLog.open(dir, SegmentedEventLog.Options.defaults()
                    .withSegmentBytes(segmentBytes(context.getProperty(SEGMENT_BYTES_PROPERTY))));
        } catch (BerthException e) {
            throw fatal(context, e.getMessage(), e);
        }
        try {
            opened.recovery().ifPresent(r -> recordRecovery(opened, r));
        } catch (CompletionException e) {
            opened.close();
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw fatal(context, "record recovery of event log " + dir + ": " + cause.getMessage(), cause);
        }
        this.log = opened;
    }

    /** The segment size {@code value} asks for; the default when unset; refused when not a size the log takes. */
    static long segmentBytes(String value) throws BerthException {
        if (value == null || value.isBlank()) {
            return SegmentedEventLog.Options.DEFAULT_SEGMENT_BYTES;
        }
        try {
            long bytes = Long.parseLong(value.trim());
            if (bytes >= 4096) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BerthException(dev.berth.api.ErrorKind.INVALID, SEGMENT_BYTES_PROPERTY + " must be a number of bytes, "
                + "4096 or more, got \"" + value + "\"");
    }

    @Deactivate
    void deactivate() {
        log.close();
    }

    @Override
    public CompletionStage<EventRecord> append(EventDraft draft) {
        return log.append(draft);
    }

    @Override
    public LogHead head() {
        return log.head();
    }

    @Override
    public EventCursor read(long fromSequence) {
        return log.read(fromSequence);
    }

    @Override
    public long firstSequenceAtOrAfter(Instant time) {
        return log.firstSequenceAtOrAfter(time);
    }

    @Override
    public AutoCloseable subscribe(Consumer<EventRecord> listener) {
        return log.subscribe(listener);
    }

    @Override
    public LogVerification verify(long fromSequence) throws BerthException {
        return log.verify(fromSequence);
    }

    @Override
    public LogExport export(long fromSequence, long toSequence, Path target) throws BerthException {
        return log.export(fromSequence, toSequence, target);
    }

    @Override
    public List<ArchivedSegment> archive(long beforeSequence) throws BerthException {
        return log.archive(beforeSequence);
    }

    @Override
    public List<ArchivedSegment> archived() {
        return log.archived();
    }

    /** The {@code log.recovered} payload for {@code recovery}, shaped like {@link LogRecovered}. */
    static String recoveredPayload(SegmentedEventLog.Recovery recovery) {
        StringBuilder json = new StringBuilder(96).append("{\"segment\":");
        EnvelopeFormat.quote(json, recovery.segment());
        return json.append(",\"offset\":").append(recovery.offset())
                .append(",\"bytesDropped\":").append(recovery.bytesDropped()).append('}').toString();
    }

    private static void recordRecovery(SegmentedEventLog log, SegmentedEventLog.Recovery recovery) {
        EventType type = EngineEvents.typeOf(LogRecovered.class);
        EventDraft draft = new EventDraft(type.name(), type.version(), SUBJECT, recoveredPayload(recovery));
        log.append(draft).toCompletableFuture().join();
    }

    private static IllegalStateException fatal(BundleContext context, String message, Throwable cause) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(PluginProperties.FATAL, message);
        context.registerService(Object.class, new Object(), properties);
        return new IllegalStateException(message, cause);
    }
}
