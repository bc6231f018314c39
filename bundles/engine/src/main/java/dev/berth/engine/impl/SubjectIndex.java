package dev.berth.engine.impl;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Which records are about which subject, for {@code berth history}: the sequence numbers of every record
 * by subject, every container name ever given (removed containers included) and the containers created
 * from each image. Built by one read of the whole log in the background at start, then kept current by a
 * log subscription; nothing of it is stored, the log alone is the truth. Thread-safe: one lock.
 */
final class SubjectIndex {
    private static final System.Logger LOG = System.getLogger("berth.engine.history");
    /** How long a question waits for the first build before it is refused. */
    private static final long READY_WAIT_SECONDS = 60;

    private final EventLog log;
    private final ObjectMapper mapper;
    private final Map<String, Sequences> bySubject = new HashMap<>();
    /** Container name to the ids that carried it, oldest first. */
    private final Map<String, Set<String>> containersByName = new HashMap<>();
    /** Image manifest digest to the containers created from it, oldest first. */
    private final Map<String, Set<String>> containersByImage = new HashMap<>();
    private final List<EventRecord> early = new ArrayList<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private AutoCloseable subscription;
    private long indexed;
    private boolean built;
    private String failure;

    /** A growable list of sequence numbers, in increasing order. */
    private static final class Sequences {
        private long[] values = new long[4];
        private int size;

        void add(long sequence) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = sequence;
        }

        long[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    SubjectIndex(EventLog log, ObjectMapper mapper) {
        this.log = log;
        this.mapper = mapper;
    }

    /** Subscribes to the log and reads it whole on a thread of its own; questions wait until that is done. */
    void start() {
        synchronized (this) {
            subscription = log.subscribe(this::accept);
        }
        Thread builder = new Thread(this::build, "berth-history-index");
        builder.setDaemon(true);
        builder.start();
    }

    private void build() {
        long started = System.nanoTime();
        long count = 0;
        try (EventCursor cursor = log.read(1)) {
            while (cursor.hasNext()) {
                EventRecord record = cursor.next();
                synchronized (this) {
                    add(record);
                }
                count++;
            }
            synchronized (this) {
                early.forEach(this::add);
                early.clear();
                built = true;
            }
            LOG.log(Level.INFO, "history index: {0} records in {1} ms", count,
                    (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException e) {
            synchronized (this) {
                failure = e.getMessage();
            }
            LOG.log(Level.ERROR, "history index: read the event log", e);
        } finally {
            ready.countDown();
        }
    }

    private synchronized void accept(EventRecord record) {
        if (!built) {
            early.add(record);
        } else {
            add(record);
        }
    }

    private void add(EventRecord record) {
        if (record.sequence() <= indexed) {
            return;
        }
        indexed = record.sequence();
        bySubject.computeIfAbsent(record.subject(), s -> new Sequences()).add(record.sequence());
        if (record.type().equals("image.committed")) {
            // A commit is part of its container's history too.
            try {
                String container = topLevelStrings(record.payload(), "containerId")[0];
                if (container != null && !container.isEmpty()) {
                    bySubject.computeIfAbsent(container, s -> new Sequences()).add(record.sequence());
                }
            } catch (IOException e) {
                LOG.log(Level.WARNING, "history index: event #" + record.sequence() + " does not read: "
                        + e.getMessage());
            }
        }
        if (record.type().equals("container.created")) {
            try {
                String[] fields = topLevelStrings(record.payload(), "name", "imageDigest");
                if (fields[0] != null && !fields[0].isEmpty()) {
                    containersByName.computeIfAbsent(fields[0], n -> new LinkedHashSet<>()).add(record.subject());
                }
                if (fields[1] != null && !fields[1].isEmpty()) {
                    containersByImage.computeIfAbsent(fields[1], n -> new LinkedHashSet<>()).add(record.subject());
                }
            } catch (IOException e) {
                LOG.log(Level.WARNING, "history index: event #" + record.sequence() + " does not read: "
                        + e.getMessage());
            }
        }
    }

    /**
     * The string values of the named top-level fields of a JSON object, null where absent, read with the
     * streaming parser and stopping once all are found: the index reads a million records at start.
     */
    private String[] topLevelStrings(String json, String... names) throws IOException {
        String[] found = new String[names.length];
        int missing = names.length;
        try (JsonParser parser = mapper.getFactory().createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return found;
            }
            while (missing > 0 && parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                int index = List.of(names).indexOf(field);
                if (index >= 0 && value == JsonToken.VALUE_STRING) {
                    found[index] = parser.getText();
                    missing--;
                } else {
                    parser.skipChildren();
                }
            }
        }
        return found;
    }

    /** Waits for the first build; fails when it did not finish or failed. */
    private void awaitReady() throws BerthException {
        try {
            if (!ready.await(READY_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new BerthException(ErrorKind.UNAVAILABLE, "history: the index of the event log is still "
                        + "being built; try again shortly");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.UNAVAILABLE, "history: interrupted while the index was built");
        }
        synchronized (this) {
            if (failure != null) {
                throw new BerthException(ErrorKind.UNAVAILABLE, "history: the event log could not be indexed: "
                        + failure);
            }
        }
    }

    /** The sequences of every record about {@code subject}, oldest first (empty when none). */
    long[] sequences(String subject) throws BerthException {
        awaitReady();
        synchronized (this) {
            Sequences found = bySubject.get(subject);
            return found == null ? new long[0] : found.toArray();
        }
    }

    /** Whether any record is about {@code subject}. */
    boolean knows(String subject) throws BerthException {
        awaitReady();
        synchronized (this) {
            return bySubject.containsKey(subject);
        }
    }

    /** The ids of every container that was ever named {@code name}, oldest first. */
    List<String> containersNamed(String name) throws BerthException {
        awaitReady();
        synchronized (this) {
            return List.copyOf(containersByName.getOrDefault(name, Set.of()));
        }
    }

    /** The ids of the containers created from image {@code manifestDigest}, oldest first. */
    List<String> containersFrom(String manifestDigest) throws BerthException {
        awaitReady();
        synchronized (this) {
            return List.copyOf(containersByImage.getOrDefault(manifestDigest, Set.of()));
        }
    }

    /** Every container id (a subject with a creation) starting with {@code prefix}. */
    List<String> containerIdsStartingWith(String prefix) throws BerthException {
        awaitReady();
        synchronized (this) {
            Set<String> ids = new LinkedHashSet<>();
            for (Set<String> named : containersByName.values()) {
                for (String id : named) {
                    if (id.startsWith(prefix)) {
                        ids.add(id);
                    }
                }
            }
            return List.copyOf(ids);
        }
    }

    /** Stops following the log. */
    void stop() {
        AutoCloseable s;
        synchronized (this) {
            s = subscription;
            subscription = null;
        }
        if (s != null) {
            try {
                s.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "history index: unsubscribe: " + e.getMessage());
            }
        }
    }
}
