package dev.berth.engine.impl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.event.ChainHash;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Keeps every projection equal to the fold of the event log: restores the newest valid checkpoint,
 * replays the records after it, then applies each new durable record exactly once, in order. Thread-safe:
 * all state changes and reads go through this object's lock.
 */
public final class Projections {
    private static final System.Logger LOG = System.getLogger("berth.engine.projections");

    private final EventLog log;
    private final List<Projection> projections;
    private final CheckpointStore checkpoints;
    private final CheckpointSeries series;
    private final List<EventRecord> early = new ArrayList<>();
    private AutoCloseable subscription;
    private boolean started;
    private long applied;
    private ChainHash appliedHash = ChainHash.GENESIS;
    private long checkpointed;
    private long replayedAtStart;
    private String checkpointNote = "none";

    public Projections(EventLog log, List<Projection> projections, CheckpointStore checkpoints) {
        this(log, projections, checkpoints, null);
    }

    /** As above, also keeping the state every {@code series.interval()} records for time travel (null: not). */
    Projections(EventLog log, List<Projection> projections, CheckpointStore checkpoints, CheckpointSeries series) {
        this.log = log;
        this.projections = List.copyOf(projections);
        this.checkpoints = checkpoints;
        this.series = series;
    }

    /**
     * Subscribes to the log, restores the checkpoint if it still matches the log, and replays the rest.
     * Records appended meanwhile are held and applied after the replay, without duplicates.
     */
    public void start() {
        synchronized (this) {
            subscription = log.subscribe(this::accept);
        }
        long from = restoreCheckpoint();
        synchronized (this) {
            replayedAtStart = LogFeed.forEach(log, from, Long.MAX_VALUE, this::applyInOrder);
            for (EventRecord record : early) {
                applyInOrder(record);
            }
            early.clear();
            started = true;
        }
    }

    private long restoreCheckpoint() {
        Optional<CheckpointStore.Checkpoint> stored;
        try {
            stored = checkpoints.read();
        } catch (IOException e) {
            checkpointNote = "ignored: " + e.getMessage();
            LOG.log(Level.WARNING, "replaying the whole log: {0}", checkpointNote);
            return 1;
        }
        if (stored.isEmpty()) {
            return 1;
        }
        CheckpointStore.Checkpoint checkpoint = stored.get();
        if (!matchesLog(log, checkpoint)) {
            checkpointNote = "ignored: checkpoint at #" + checkpoint.sequence() + " does not match the log";
            LOG.log(Level.WARNING, "replaying the whole log: {0}", checkpointNote);
            return 1;
        }
        synchronized (this) {
            for (Projection projection : projections) {
                JsonNode snapshot = checkpoint.projections().get(projection.name());
                if (snapshot == null) {
                    // A projection added after this checkpoint was written: rebuild everything.
                    projections.forEach(Projection::clear);
                    checkpointNote = "ignored: no snapshot for projection " + projection.name();
                    return 1;
                }
                try {
                    projection.restore(snapshot);
                } catch (RuntimeException e) {
                    // A checkpoint is a cache: one written by an older engine may not read; the log rebuilds it.
                    projections.forEach(Projection::clear);
                    checkpointNote = "ignored: snapshot of " + projection.name() + " does not read: " + e.getMessage();
                    LOG.log(Level.WARNING, "replaying the whole log: {0}", checkpointNote);
                    return 1;
                }
            }
            applied = checkpoint.sequence();
            appliedHash = checkpoint.hash();
            checkpointed = applied;
            checkpointNote = "restored at #" + applied;
        }
        return applied + 1;
    }

    /** Whether the record {@code checkpoint} stands at is in {@code log} with the hash it noted. */
    static boolean matchesLog(EventLog log, CheckpointStore.Checkpoint checkpoint) {
        long sequence = checkpoint.sequence();
        if (sequence < 1 || sequence > log.head().sequence()) {
            return false;
        }
        try (EventCursor cursor = log.read(sequence)) {
            return cursor.hasNext() && cursor.next().hash().equals(checkpoint.hash());
        }
    }

    /**
     * Folds the records after {@code from} (null: from the first) up to and including {@code through} into
     * {@code fresh} projections, which must be empty; returns how many records it folded.
     */
    static long replay(EventLog log, List<Projection> fresh, CheckpointStore.Checkpoint from, long through) {
        long start = 1;
        if (from != null) {
            for (Projection projection : fresh) {
                JsonNode snapshot = from.projections().get(projection.name());
                if (snapshot == null) {
                    throw new IllegalArgumentException("checkpoint at #" + from.sequence() + " has no snapshot of "
                            + projection.name());
                }
                projection.restore(snapshot);
            }
            start = from.sequence() + 1;
        }
        return LogFeed.forEach(log, start, through, record -> {
            for (Projection projection : fresh) {
                projection.apply(record);
            }
        });
    }

    /** The state of every projection as of now, under the lock: what a checkpoint would store. */
    synchronized CheckpointStore.Checkpoint capture() {
        return new CheckpointStore.Checkpoint(applied, appliedHash, snapshots());
    }

    private Map<String, JsonNode> snapshots() {
        Map<String, JsonNode> snapshots = new HashMap<>();
        for (Projection projection : projections) {
            snapshots.put(projection.name(), projection.snapshot());
        }
        return snapshots;
    }

    /** Called by the log's writer thread for every durable record. */
    private synchronized void accept(EventRecord record) {
        if (!started) {
            early.add(record);
            return;
        }
        try {
            applyInOrder(record);
        } catch (RuntimeException e) {
            // Never let a projection bug reach the log's writer thread; the record is durable regardless.
            LOG.log(Level.ERROR, "apply event #" + record.sequence() + " (" + record.type() + ") to projections", e);
        }
    }

    private void applyInOrder(EventRecord record) {
        if (record.sequence() <= applied) {
            return;
        }
        if (record.sequence() != applied + 1 || !record.previousHash().equals(appliedHash)) {
            throw new IllegalStateException("projection feed out of order: expected #" + (applied + 1)
                    + " after " + appliedHash + ", got #" + record.sequence());
        }
        for (Projection projection : projections) {
            projection.apply(record);
        }
        applied = record.sequence();
        appliedHash = record.hash();
        if (series != null && series.due(applied)) {
            series.submit(new CheckpointStore.Checkpoint(applied, appliedHash, snapshots()));
        }
    }

    /** Runs {@code query} under the lock, so it sees the projections at one consistent sequence. */
    public synchronized <T> T query(Supplier<T> query) {
        return query.get();
    }

    /** The sequence of the last record folded into the projections. */
    public synchronized long applied() {
        return applied;
    }

    /** How the last start used its checkpoint, in words, and how many records it replayed. */
    public synchronized String startReport() {
        return "checkpoint " + checkpointNote + ", replayed " + replayedAtStart + " records";
    }

    /** Writes a checkpoint if anything was applied since the last one; returns whether it wrote. */
    public boolean checkpoint() throws IOException {
        CheckpointStore.Checkpoint checkpoint;
        synchronized (this) {
            if (applied == checkpointed || applied == 0) {
                return false;
            }
            checkpoint = new CheckpointStore.Checkpoint(applied, appliedHash, snapshots());
        }
        checkpoints.write(checkpoint);
        synchronized (this) {
            checkpointed = Math.max(checkpointed, checkpoint.sequence());
        }
        return true;
    }

    /** Stops following the log. */
    public void stop() throws Exception {
        AutoCloseable s;
        synchronized (this) {
            s = subscription;
            subscription = null;
        }
        if (s != null) {
            s.close();
        }
    }
}
