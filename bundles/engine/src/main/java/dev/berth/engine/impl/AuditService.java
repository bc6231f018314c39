package dev.berth.engine.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.bus.BusAddresses;
import dev.berth.api.event.ArchivedSegment;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogExport;
import dev.berth.engine.impl.ContainerProjection.Container;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The audit side of the log ({@link BusAddresses#ENGINE_AUDIT}): {@code history} of a container, image or
 * plugin from the records about it; the state {@code at} a past sequence or time, rebuilt from the nearest
 * checkpoint of the series; a full {@code replay} from nothing compared with the live projections; and
 * {@code export} and {@code archive} of records. Reads only; every answer comes from the log. Thread-safe.
 */
final class AuditService {
    private final Vertx vertx;
    private final EventLog log;
    private final EventCodec codec;
    private final ObjectMapper mapper;
    private final Projections projections;
    private final ContainerProjection containers;
    private final ImageProjection images;
    private final PluginProjection plugins;
    private final SubjectIndex index;
    private final CheckpointSeries series;
    private final BusCalls calls;

    AuditService(Vertx vertx, EventLog log, EventCodec codec, Projections projections, ContainerProjection containers,
            ImageProjection images, PluginProjection plugins, SubjectIndex index, CheckpointSeries series) {
        this.vertx = vertx;
        this.log = log;
        this.codec = codec;
        this.mapper = codec.mapper();
        this.projections = projections;
        this.containers = containers;
        this.images = images;
        this.plugins = plugins;
        this.index = index;
        this.series = series;
        this.calls = new BusCalls(vertx, log, codec);
    }

    List<MessageConsumer<?>> register() {
        return List.of(vertx.eventBus().<String>consumer(BusAddresses.ENGINE_AUDIT,
                message -> calls.serve(message, "audit", this::handle)));
    }

    private JsonObject handle(JsonObject request) throws BerthException {
        String op = request.getString("op", "");
        return switch (op) {
            case "history" -> history(request.getString("target", ""), request.getBoolean("payload", true));
            case "at" -> at(request);
            case "replay" -> replay();
            case "export" -> export(request);
            case "archive" -> archive(request);
            default -> throw new BerthException(ErrorKind.INVALID, "audit: unknown op \"" + op + "\"");
        };
    }

    // ---- history ----------------------------------------------------------------------------------------

    /** The event types that bring an image into the store. */
    private static final Set<String> ORIGINS = Set.of("image.pulled", "image.loaded", "image.committed",
            "image.imported");

    private JsonObject history(String target, boolean payloads) throws BerthException {
        if (target.isBlank()) {
            throw new BerthException(ErrorKind.INVALID, "no container, image or plugin given");
        }
        Optional<String> container = containerId(target);
        if (container.isPresent()) {
            return containerHistory(target, container.get(), payloads);
        }
        Optional<String> image = imageDigest(target);
        if (image.isPresent()) {
            return imageHistory(image.get(), payloads);
        }
        if (index.knows(target) && isPlugin(target)) {
            return answer("plugin", target, target, events(new TreeMap<>(Map.of()), Set.of(target), payloads));
        }
        throw new BerthException(ErrorKind.NOT_FOUND, "the event log knows no container, image or plugin "
                + "named \"" + target + "\"");
    }

    /** The container a word names: newest container of that name, a full id, or a unique id prefix. */
    private Optional<String> containerId(String word) throws BerthException {
        List<String> named = index.containersNamed(word);
        if (!named.isEmpty()) {
            return Optional.of(named.get(named.size() - 1));
        }
        if (word.length() < 3 || !word.matches("[0-9a-f]+")) {
            return Optional.empty();
        }
        List<String> ids = index.containerIdsStartingWith(word);
        if (ids.size() > 1) {
            throw new BerthException(ErrorKind.CONFLICT, "id prefix \"" + word + "\" matches "
                    + ids.size() + " containers in the log: give more characters");
        }
        return ids.stream().findFirst();
    }

    private Optional<String> imageDigest(String word) throws BerthException {
        String key;
        try {
            key = ImageService.key(word);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        Optional<String> live = projections.query(() -> images.resolve(key).map(ImageProjection.Image::manifestDigest));
        if (live.isPresent()) {
            return live;
        }
        if (key.startsWith("sha256:") && index.knows(key)) {
            return Optional.of(key);
        }
        // A name that is gone now: the image it last pointed at.
        String last = null;
        for (EventRecord record : read(index.sequences(key))) {
            if (record.type().equals("image.tagged") || record.type().equals("image.untagged")) {
                last = payload(record).path("manifestDigest").asText(null);
            } else if (record.type().equals("manifest.resolved")) {
                last = payload(record).path("digest").asText(null);
            }
        }
        return Optional.ofNullable(last);
    }

    private boolean isPlugin(String subject) throws BerthException {
        long[] sequences = index.sequences(subject);
        return sequences.length > 0 && read(new long[] {sequences[0]}).get(0).type().startsWith("plugin.");
    }

    private JsonObject containerHistory(String word, String id, boolean payloads) throws BerthException {
        TreeMap<Long, EventRecord> events = new TreeMap<>();
        List<EventRecord> own = read(index.sequences(id));
        own.forEach(r -> events.put(r.sequence(), r));
        String name = word;
        for (EventRecord record : own) {
            if (!record.type().equals("container.created")) {
                continue;
            }
            JsonNode created = payload(record);
            name = created.path("name").asText(word);
            // Where its image came from: the last pull or load of that image before the creation, and the
            // expansion of each of its layers.
            String digest = created.path("imageDigest").asText("");
            EventRecord origin = null;
            for (EventRecord r : read(before(index.sequences(digest), record.sequence()))) {
                if (ORIGINS.contains(r.type())) {
                    origin = r;
                }
            }
            if (origin != null) {
                events.put(origin.sequence(), origin);
                for (JsonNode chainId : payload(origin).path("chainIds")) {
                    List<EventRecord> expansions = read(before(index.sequences(chainId.asText()), record.sequence()));
                    expansions.stream().filter(r -> r.type().equals("layer.expanded")).reduce((a, b) -> b)
                            .ifPresent(r -> events.put(r.sequence(), r));
                }
            }
        }
        List<String> others = new ArrayList<>(index.containersNamed(name));
        others.remove(id);
        JsonObject answer = answer("container", id, name, events(events, Set.of(), payloads));
        return answer.put("otherContainersNamed", new JsonArray(others));
    }

    private JsonObject imageHistory(String digest, boolean payloads) throws BerthException {
        Set<String> subjects = new LinkedHashSet<>();
        subjects.add(digest);
        List<EventRecord> own = read(index.sequences(digest));
        for (EventRecord record : own) {
            if (ORIGINS.contains(record.type())) {
                JsonNode p = payload(record);
                if (p.hasNonNull("reference")) {
                    subjects.add(p.path("reference").asText());
                }
                subjects.add(p.path("configDigest").asText());
                p.path("layers").forEach(layer -> subjects.add(layer.asText()));
                p.path("chainIds").forEach(chain -> subjects.add(chain.asText()));
            }
        }
        subjects.addAll(projections.query(() -> images.tagsOf(digest)));
        String name = projections.query(() -> images.tagsOf(digest)).stream().findFirst().orElse(digest);
        JsonObject answer = answer("image", digest, name, events(new TreeMap<>(), subjects, payloads));
        return answer.put("containers", new JsonArray(index.containersFrom(digest)));
    }

    private JsonObject answer(String kind, String id, String name, JsonArray events) {
        return new JsonObject().put("kind", kind).put("id", id).put("name", name).put("events", events)
                .put("head", log.head().sequence());
    }

    /**
     * {@code known} plus every record about {@code subjects}, oldest first, as the answer's JSON; with
     * {@code payloads} false only the lines in words (what the text timeline prints), not the stored payload.
     */
    private JsonArray events(TreeMap<Long, EventRecord> known, Set<String> subjects, boolean payloads)
            throws BerthException {
        for (String subject : subjects) {
            for (EventRecord record : read(index.sequences(subject))) {
                known.put(record.sequence(), record);
            }
        }
        List<ArchivedSegment> archived = log.archived();
        JsonArray array = new JsonArray();
        for (EventRecord record : known.values()) {
            JsonNode payload = payload(record);
            String archive = archived.stream().filter(a -> a.holds(record.sequence())).map(ArchivedSegment::file)
                    .findFirst().orElse(null);
            JsonObject event = new JsonObject().put("sequence", record.sequence())
                    .put("time", ContainerQueries.instant(record.timeNanos())).put("type", record.type())
                    .put("version", record.version()).put("subject", record.subject());
            if (payloads) {
                event.put("payload", new JsonObject(record.payload()));
            }
            array.add(event.put("lines", new JsonArray(HistoryLines.describe(record.type(), payload)))
                    .put("hash", record.hash().hex()).put("archive", archive));
        }
        return array;
    }

    private static long[] before(long[] sequences, long limit) {
        int n = 0;
        while (n < sequences.length && sequences[n] < limit) {
            n++;
        }
        return java.util.Arrays.copyOf(sequences, n);
    }

    /** The records at {@code sequences} (increasing), reading nearby ones with one cursor. */
    private List<EventRecord> read(long[] sequences) {
        List<EventRecord> records = new ArrayList<>(sequences.length);
        int i = 0;
        while (i < sequences.length) {
            try (EventCursor cursor = log.read(sequences[i])) {
                long gapLimit = sequences[i] + 64;
                while (i < sequences.length && sequences[i] <= gapLimit && cursor.hasNext()) {
                    EventRecord record = cursor.next();
                    if (record.sequence() == sequences[i]) {
                        records.add(record);
                        i++;
                        gapLimit = record.sequence() + 64;
                    }
                }
                if (i < sequences.length && sequences[i] <= gapLimit) {
                    i++; // beyond the head the cursor was opened at: skip it
                }
            }
        }
        return records;
    }

    private JsonNode payload(EventRecord record) {
        try {
            return mapper.readTree(record.payload());
        } catch (IOException e) {
            throw new IllegalStateException("event #" + record.sequence() + " (" + record.type()
                    + ") does not read as JSON: " + e.getMessage(), e);
        }
    }

    // ---- time travel -------------------------------------------------------------------------------------

    /** The projections as they were after record {@code sequence}, rebuilt from the nearest checkpoint. */
    record Past(long sequence, ContainerProjection containers, ImageProjection images, PluginProjection plugins,
            long checkpoint, long replayed) {
    }

    Past past(long sequence) throws BerthException {
        long head = log.head().sequence();
        if (sequence < 0 || sequence > head) {
            throw new BerthException(ErrorKind.INVALID, "--at #" + sequence + ": the event log runs from #1 to #"
                    + head);
        }
        for (long at : series.sequencesUpTo(sequence)) {
            Optional<CheckpointStore.Checkpoint> checkpoint = series.read(at);
            if (checkpoint.isEmpty() || !Projections.matchesLog(log, checkpoint.get())) {
                continue;
            }
            Past past = fresh(sequence, at);
            try {
                long replayed = Projections.replay(log, List.of(past.plugins(), past.images(), past.containers()),
                        checkpoint.get(), sequence);
                return new Past(sequence, past.containers(), past.images(), past.plugins(), at, replayed);
            } catch (RuntimeException e) {
                // A checkpoint is a cache: one that does not restore is passed over for an older one.
            }
        }
        Past past = fresh(sequence, 0);
        long replayed = Projections.replay(log, List.of(past.plugins(), past.images(), past.containers()), null,
                sequence);
        return new Past(sequence, past.containers(), past.images(), past.plugins(), 0, replayed);
    }

    private Past fresh(long sequence, long checkpoint) {
        return new Past(sequence, new ContainerProjection(codec), new ImageProjection(codec),
                new PluginProjection(codec), checkpoint, 0);
    }

    /** The sequence an {@code at} request names: {"atSequence": N} or {"atTime": RFC 3339}. */
    private long atSequence(JsonObject request) throws BerthException {
        if (request.getValue("atSequence") != null) {
            return request.getLong("atSequence");
        }
        String text = request.getString("atTime", "");
        Instant time;
        try {
            time = Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new BerthException(ErrorKind.INVALID, "--at: \"" + text + "\" is neither a sequence nor a time");
        }
        if (time.isAfter(Instant.now())) {
            throw new BerthException(ErrorKind.INVALID, "--at " + time + ": that time has not come yet");
        }
        // The state at T holds every record appended at or before T.
        return log.firstSequenceAtOrAfter(time.plusNanos(1)) - 1;
    }

    private JsonObject at(JsonObject request) throws BerthException {
        long sequence = atSequence(request);
        long started = System.nanoTime();
        Past past = past(sequence);
        String time = null;
        if (sequence > 0) {
            List<EventRecord> at = read(new long[] {sequence});
            time = at.isEmpty() ? null : ContainerQueries.instant(at.get(0).timeNanos());
        }
        JsonObject answer = new JsonObject().put("sequence", sequence).put("time", time)
                .put("checkpoint", past.checkpoint())
                .put("replayed", past.replayed()).put("millis", (System.nanoTime() - started) / 1_000_000);
        String what = request.getString("what", "");
        switch (what) {
            case "ps" -> {
                boolean all = request.getBoolean("all", false);
                JsonArray list = new JsonArray();
                for (Container c : past.containers().all()) {
                    if (!c.status().equals("removed") && (all || c.running())) {
                        list.add(ContainerQueries.summary(c));
                    }
                }
                answer.put("containers", list);
            }
            case "inspect" -> {
                List<Container> existing = past.containers().all().stream()
                        .filter(c -> !c.status().equals("removed")).toList();
                String wanted = request.getString("id", "");
                Container c;
                try {
                    c = ContainerQueries.resolveIn(existing, wanted);
                } catch (BerthException e) {
                    throw new BerthException(e.kind(), e.getMessage() + " at #" + sequence);
                }
                answer.put("container", ContainerQueries.record(c));
            }
            case "images" -> {
                JsonArray list = new JsonArray();
                for (ImageProjection.Image image : past.images().all()) {
                    list.add(ImageService.summary(image, past.images().tagsOf(image.manifestDigest())));
                }
                answer.put("images", list);
            }
            case "plugins" -> {
                // What the log says of each plugin then; what a bundle provided is only known live.
                Map<String, String> choices = past.plugins().choices();
                JsonArray list = new JsonArray();
                for (PluginProjection.Plugin plugin : past.plugins().all()) {
                    JsonArray serves = new JsonArray();
                    choices.forEach((stage, id) -> {
                        if (id.equals(plugin.id())) {
                            serves.add("stage " + stage);
                        }
                    });
                    list.add(new JsonObject().put("id", plugin.id()).put("kind", plugin.kind())
                            .put("version", plugin.version()).put("state", plugin.active() ? "active" : "installed")
                            .put("disabled", plugin.disabled()).put("failure", plugin.failure())
                            .put("location", plugin.location()).put("provides", new JsonArray()).put("serves", serves)
                            .put("builtin", List.of("engine", "library", "framework").contains(plugin.kind()))
                            .put("since", ContainerQueries.instant(plugin.sinceTimeNanos())));
                }
                answer.put("plugins", list);
            }
            default -> throw new BerthException(ErrorKind.INVALID, "--at: unknown query \"" + what + "\"");
        }
        return answer;
    }

    // ---- replay --------------------------------------------------------------------------------------------

    /** Rebuilds every projection from nothing up to the live one's sequence and compares the two. */
    private JsonObject replay() {
        CheckpointStore.Checkpoint live = projections.capture();
        Past past = fresh(live.sequence(), 0);
        List<Projection> rebuilt = List.of(past.plugins(), past.images(), past.containers());
        long started = System.nanoTime();
        long records = Projections.replay(log, rebuilt, null, live.sequence());
        long millis = (System.nanoTime() - started) / 1_000_000;
        JsonArray differences = new JsonArray();
        for (Projection projection : rebuilt) {
            JsonNode mine = projection.snapshot();
            JsonNode theirs = live.projections().get(projection.name());
            String where = JsonDifference.first(theirs, mine, "");
            if (where != null) {
                differences.add(new JsonObject().put("projection", projection.name()).put("path", where));
            }
        }
        return new JsonObject().put("sequence", live.sequence()).put("records", records).put("millis", millis)
                .put("matches", differences.isEmpty()).put("differences", differences);
    }

    // ---- export, archive -------------------------------------------------------------------------------------

    /** The sequence a bound names: {"<name>Sequence": N} or {"<name>Time": RFC 3339}; {@code otherwise} if neither. */
    private long bound(JsonObject request, String name, boolean upper, long otherwise) throws BerthException {
        if (request.getValue(name + "Sequence") != null) {
            return request.getLong(name + "Sequence");
        }
        String text = request.getString(name + "Time");
        if (text == null) {
            return otherwise;
        }
        try {
            long first = log.firstSequenceAtOrAfter(Instant.parse(text));
            return upper ? first - 1 : first;
        } catch (DateTimeParseException e) {
            throw new BerthException(ErrorKind.INVALID, "--" + name + ": \"" + text + "\" is not a time");
        }
    }

    private JsonObject export(JsonObject request) throws BerthException {
        long head = log.head().sequence();
        long from = bound(request, "since", false, 1);
        long to = bound(request, "until", true, head);
        if (to < from) {
            throw new BerthException(ErrorKind.INVALID, "audit export: --since (#" + from + ") is after --until (#"
                    + to + "): nothing lies between them");
        }
        String file = request.getString("file", "");
        if (file.isBlank() || !file.startsWith("/")) {
            throw new BerthException(ErrorKind.INVALID, "audit export: the output file must be an absolute path, "
                    + "got \"" + file + "\"");
        }
        LogExport export = log.export(from, to, Path.of(file));
        return new JsonObject().put("file", export.file()).put("firstSequence", export.firstSequence())
                .put("lastSequence", export.lastSequence()).put("records", export.records())
                .put("anchor", export.anchor().hex()).put("lastHash", export.lastHash().hex())
                .put("bytes", export.bytes());
    }

    private JsonObject archive(JsonObject request) throws BerthException {
        long before = bound(request, "before", false, -1);
        if (before < 1) {
            throw new BerthException(ErrorKind.INVALID, "audit archive: --before needs a time or a sequence");
        }
        // The state survives whatever is archived: a checkpoint past it first, so start-up never needs it.
        try {
            projections.checkpoint();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "audit archive: write a checkpoint first: "
                    + e.getMessage(), e);
        }
        JsonArray moved = new JsonArray();
        for (ArchivedSegment segment : log.archive(before)) {
            moved.add(segmentJson(segment));
        }
        JsonArray all = new JsonArray();
        log.archived().forEach(segment -> all.add(segmentJson(segment)));
        return new JsonObject().put("archived", moved).put("archive", all);
    }

    private static JsonObject segmentJson(ArchivedSegment segment) {
        return new JsonObject().put("file", segment.file()).put("firstSequence", segment.firstSequence())
                .put("lastSequence", segment.lastSequence()).put("anchor", segment.anchor().hex())
                .put("lastHash", segment.lastHash().hex())
                .put("firstTime", ContainerQueries.instant(segment.firstTimeNanos()))
                .put("lastTime", ContainerQueries.instant(segment.lastTimeNanos()));
    }
}
