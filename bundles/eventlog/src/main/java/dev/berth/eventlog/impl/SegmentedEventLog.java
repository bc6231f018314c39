package dev.berth.eventlog.impl;

import static dev.berth.eventlog.impl.SegmentFormat.FRAME_BYTES;
import static dev.berth.eventlog.impl.SegmentFormat.HASH_BYTES;
import static dev.berth.eventlog.impl.SegmentFormat.HEADER_BYTES;
import static dev.berth.eventlog.impl.SegmentFormat.INT;
import static dev.berth.eventlog.impl.SegmentFormat.LONG;
import static dev.berth.eventlog.impl.SegmentFormat.MAGIC;
import static dev.berth.eventlog.impl.SegmentFormat.SHORT;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.ArchivedSegment;
import dev.berth.api.event.ChainHash;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogCorruptedException;
import dev.berth.api.event.LogExport;
import dev.berth.api.event.LogHead;
import dev.berth.api.event.LogVerification;
import dev.berth.api.event.LogReadException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32C;

/**
 * The durable, hash-chained event log kept in append-only segment files of one directory. Thread-safe:
 * any number of threads may append, read and subscribe at once.
 *
 * <p>Appends are queued and written by one writer thread ({@value #WRITER_THREAD}) that takes everything
 * pending, gives it sequences and times, writes it with few calls and one {@code fdatasync}, and only
 * then publishes the new head and, record by record, calls the listeners and completes the appender's
 * stage (group commit).
 * Readers open their own file channels and verify CRCs and the chain as they go.
 *
 * <p>{@link #open} scans and verifies every live segment. A crash can only tear the last record of the last
 * segment (earlier segments are fsynced before the next is created); such a tail is cut off and reported
 * by {@link #recovery()}. Any other damage makes {@code open} throw {@link LogCorruptedException}.
 *
 * <p>{@link #archive} moves old segments, gzipped, to {@code archive/} inside the directory (see
 * {@link ArchiveFormat}); reads, {@link #verify}, {@link #export} and {@link #firstSequenceAtOrAfter} run
 * across them as across live segments. {@code open} checks only the archive headers and their chain to the
 * first live segment, not every archived record: {@link #verify} does that.
 */
public final class SegmentedEventLog implements EventLog, AutoCloseable {
    /** The name of the writer thread. */
    public static final String WRITER_THREAD = "berth-eventlog-writer";

    private static final System.Logger LOG = System.getLogger(SegmentedEventLog.class.getName());
    private static final String LOCK_FILE = "lock";
    /** Encoded bytes after which the writer flushes its buffer even within one group commit. */
    private static final int MAX_WRITE_BYTES = 8 << 20;
    private static final Set<OpenOption> WRITE = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
    private static final Set<OpenOption> CREATE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE);

    /**
     * Opens segment and archive files for writing; tests substitute one that fails on demand. Must be
     * thread-safe.
     */
    @FunctionalInterface
    public interface ChannelOpener {
        /** Opens {@code file} with {@code options}, like {@link FileChannel#open(Path, Set, java.nio.file.attribute.FileAttribute[])}. */
        FileChannel open(Path file, Set<? extends OpenOption> options) throws IOException;
    }

    /**
     * How a log is opened: segment size, the clock that stamps records and how segment files are opened
     * for writing. Immutable.
     *
     * @param segmentBytes  start a new segment once the current one would grow past this many bytes
     * @param clock         the UTC clock records are stamped with
     * @param channelOpener opens segment and archive files for writing
     */
    public record Options(long segmentBytes, InstantSource clock, ChannelOpener channelOpener) {
        /** The default segment size: 64 MiB. */
        public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;

        public Options {
            if (segmentBytes <= HEADER_BYTES) {
                throw new IllegalArgumentException("segmentBytes must exceed the " + HEADER_BYTES
                        + "-byte segment header, got " + segmentBytes);
            }
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(channelOpener, "channelOpener");
        }

        /** 64 MiB segments, the system UTC clock and plain file channels. */
        public static Options defaults() {
            return new Options(DEFAULT_SEGMENT_BYTES, InstantSource.system(), FileChannel::open);
        }

        /** These options with segments of {@code bytes}. */
        public Options withSegmentBytes(long bytes) {
            return new Options(bytes, clock, channelOpener);
        }

        /** These options with records stamped by {@code source}. */
        public Options withClock(InstantSource source) {
            return new Options(segmentBytes, source, channelOpener);
        }

        /** These options with segment files opened for writing by {@code opener}. */
        public Options withChannelOpener(ChannelOpener opener) {
            return new Options(segmentBytes, clock, opener);
        }
    }

    /**
     * A torn tail that {@link #open} cut off: a record a crash left half-written, never acknowledged.
     * Immutable.
     *
     * @param segment      the segment file name
     * @param offset       where the torn record started, now the end of the file
     * @param bytesDropped how many bytes were removed
     */
    public record Recovery(String segment, long offset, long bytesDropped) {
        public Recovery {
            Objects.requireNonNull(segment, "segment");
        }
    }

    /**
     * What readers see: the durable head, the segments (archived ones first, the current one last) and how
     * far the last one is durable. Immutable.
     */
    private record State(LogHead head, List<Segment> segments, long lastSegmentEnd) {
        State withSegments(List<Segment> changed) {
            return new State(head, List.copyOf(changed), lastSegmentEnd);
        }
    }

    /** An append waiting for the writer, with its strings already encoded by the appending thread. */
    private record Pending(EventDraft draft, byte[] type, byte[] subject, byte[] payload,
            CompletableFuture<EventRecord> future) {
        static Pending of(EventDraft draft) {
            return new Pending(draft, draft.type().getBytes(StandardCharsets.UTF_8),
                    draft.subject().getBytes(StandardCharsets.UTF_8), draft.payload().getBytes(StandardCharsets.UTF_8),
                    new CompletableFuture<>());
        }

        int frameLength() {
            return FRAME_BYTES + SegmentFormat.bodyLength(type.length, subject.length, payload.length);
        }
    }

    /** One registered listener; its identity, not the listener's, is what unsubscribing removes. */
    private record Subscription(Consumer<EventRecord> listener) {
    }

    private final Path dir;
    private final Options options;
    private final Optional<Recovery> recovery;
    private final FileChannel lockChannel;
    private final CopyOnWriteArrayList<Subscription> subscriptions = new CopyOnWriteArrayList<>();

    private final ReentrantLock queueLock = new ReentrantLock();
    private final Condition queueNotEmpty = queueLock.newCondition();
    private List<Pending> queue = new ArrayList<>();
    private boolean writerWaiting;
    private boolean closing;
    private final Thread writerThread;

    /** Read freely; replaced only through {@link #updateState}, since the writer and archiving both change it. */
    private volatile State state;
    private final Object stateLock = new Object();
    /** Held by one {@link #archive} at a time, and by {@link #close} so the directory lock outlives archiving. */
    private final ReentrantLock archiveLock = new ReentrantLock();
    /** Set once an fsync failed; every later append fails with it. */
    private volatile String stoppedMessage;

    // Owned by the writer thread after construction.
    private FileChannel channel;
    private Segment current;
    private long writePosition;
    private long nextSequence;
    private byte[] lastHash;
    private ChainHash lastHashObject;
    private long lastTimeNanos;
    private long lastIndexedOffset;
    private final CRC32C crc = new CRC32C();
    private final MessageDigest sha = SegmentFormat.sha256();
    private byte[] out = new byte[64 << 10];
    private final List<EventRecord> written = new ArrayList<>();
    private final List<Segment.Entry> newEntries = new ArrayList<>();

    private SegmentedEventLog(Path dir, Options options, FileChannel lockChannel, Opened opened) {
        this.dir = dir;
        this.options = options;
        this.lockChannel = lockChannel;
        this.recovery = Optional.ofNullable(opened.recovery);
        this.channel = opened.channel;
        List<Segment> segments = List.copyOf(opened.segments);
        this.current = segments.get(segments.size() - 1);
        this.writePosition = opened.end;
        this.nextSequence = opened.nextSequence;
        this.lastHash = opened.lastHash;
        this.lastHashObject = ChainHash.of(opened.lastHash);
        this.lastTimeNanos = opened.lastTimeNanos;
        this.lastIndexedOffset = current.lastIndexedOffset();
        LogHead head = nextSequence == 1 ? LogHead.EMPTY
                : new LogHead(nextSequence - 1, lastTimeNanos, lastHashObject);
        this.state = new State(head, segments, writePosition);
        this.writerThread = new Thread(this::runWriter, WRITER_THREAD);
        writerThread.setDaemon(true);
    }

    /** Opens (creating if needed) the log in {@code dir} with default options. */
    public static SegmentedEventLog open(Path dir) throws BerthException {
        return open(dir, Options.defaults());
    }

    /**
     * Opens (creating if needed) the log in {@code dir}: verifies every segment, cuts off a torn final
     * record and starts the writer thread. Throws {@link LogCorruptedException} for damage anywhere else
     * and a {@link BerthException} of kind UNAVAILABLE when the directory cannot be used or another
     * process holds it.
     */
    public static SegmentedEventLog open(Path dir, Options options) throws BerthException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(options, "options");
        FileChannel lock = null;
        Opened opened = null;
        try {
            Files.createDirectories(dir);
            lock = lockDirectory(dir);
            opened = recover(dir, options);
            SegmentedEventLog log = new SegmentedEventLog(dir, options, lock, opened);
            log.writerThread.start();
            return log;
        } catch (IOException e) {
            closeQuietly(opened == null ? null : opened.channel);
            closeQuietly(lock);
            throw new BerthException(ErrorKind.UNAVAILABLE, "open event log " + dir + ": " + describe(e), e);
        } catch (BerthException | RuntimeException e) {
            closeQuietly(opened == null ? null : opened.channel);
            closeQuietly(lock);
            throw e;
        }
    }

    /** The torn tail {@link #open} cut off, if it found one. */
    public Optional<Recovery> recovery() {
        return recovery;
    }

    /** The directory holding the segment files. */
    public Path directory() {
        return dir;
    }

    @Override
    public CompletionStage<EventRecord> append(EventDraft draft) {
        Objects.requireNonNull(draft, "draft");
        String stopped = stoppedMessage;
        if (stopped != null) {
            return CompletableFuture.failedFuture(new BerthException(ErrorKind.UNAVAILABLE, stopped));
        }
        Pending pending = Pending.of(draft);
        queueLock.lock();
        try {
            if (closing) {
                return CompletableFuture.failedFuture(new BerthException(ErrorKind.UNAVAILABLE, "event log is closed"));
            }
            queue.add(pending);
            if (writerWaiting) {
                writerWaiting = false;
                queueNotEmpty.signal();
            }
        } finally {
            queueLock.unlock();
        }
        return pending.future;
    }

    @Override
    public LogHead head() {
        return state.head();
    }

    @Override
    public EventCursor read(long fromSequence) {
        if (fromSequence < 1) {
            throw new IllegalArgumentException("read from sequence " + fromSequence + ": sequences start at 1");
        }
        State s = state;
        if (fromSequence > s.head().sequence()) {
            return new LogCursor(null, fromSequence);
        }
        ChainWalker walker = null;
        try {
            walker = walkerFrom(s, fromSequence);
            return new LogCursor(walker, fromSequence);
        } catch (Damage d) {
            throw new LogReadException(d.toException());
        } catch (IOException e) {
            throw new LogReadException(new BerthException(ErrorKind.UNAVAILABLE,
                    "read event log " + dir + " from sequence " + fromSequence + ": " + describe(e), e));
        }
    }

    @Override
    public long firstSequenceAtOrAfter(Instant time) {
        Objects.requireNonNull(time, "time");
        long nanos = toNanos(time);
        State s = state;
        long head = s.head().sequence();
        List<Segment> segs = s.segments();
        // Times never decrease along the log, so the answer lies in the last segment starting before time.
        int index = -1;
        for (int i = segs.size() - 1; i >= 0; i--) {
            if (segs.get(i).firstTimeNanos() < nanos && segs.get(i).firstSequence() <= head) {
                index = i;
                break;
            }
        }
        if (index < 0) {
            return head == 0 ? 1 : segs.get(0).firstSequence();
        }
        Segment.Entry start = segs.get(index).lastBefore(nanos);
        try (ChainWalker walker = new ChainWalker(segs, s.lastSegmentEnd(), head, index, start)) {
            while (walker.advance()) {
                if (walker.scanner().timeNanos() >= nanos) {
                    return walker.scanner().sequence();
                }
            }
            return head + 1;
        } catch (Damage d) {
            throw new LogReadException(d.toException());
        } catch (IOException e) {
            throw new LogReadException(new BerthException(ErrorKind.UNAVAILABLE,
                    "find first event at " + time + " in " + dir + ": " + describe(e), e));
        }
    }

    @Override
    public AutoCloseable subscribe(Consumer<EventRecord> listener) {
        Subscription subscription = new Subscription(Objects.requireNonNull(listener, "listener"));
        subscriptions.add(subscription);
        return () -> subscriptions.remove(subscription);
    }

    /**
     * Checks every record from {@code fromSequence} to the current head straight from disk: framing, both
     * CRCs, sequence continuity, segment headers and the hash chain. Reports the first damaged record
     * instead of throwing; throws UNAVAILABLE only when the files cannot be read at all.
     */
    @Override
    public LogVerification verify(long fromSequence) throws BerthException {
        if (fromSequence < 1) {
            throw new IllegalArgumentException("verify from sequence " + fromSequence + ": sequences start at 1");
        }
        State s = state;
        long head = s.head().sequence();
        if (fromSequence > head) {
            return new LogVerification(fromSequence, fromSequence - 1, head, Optional.empty());
        }
        long verified = fromSequence - 1;
        try (ChainWalker walker = walkerFrom(s, fromSequence)) {
            while (walker.advance()) {
                if (walker.scanner().sequence() >= fromSequence) {
                    verified = walker.scanner().sequence();
                }
            }
            return new LogVerification(fromSequence, verified, head, Optional.empty());
        } catch (Damage d) {
            return new LogVerification(fromSequence, verified, head,
                    Optional.of(new LogVerification.Damage(d.file().toString(), d.offset(), d.sequence(), d.what())));
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "verify event log " + dir + ": " + describe(e), e);
        }
    }

    /**
     * Writes records {@code fromSequence..toSequence} (clamped to the head when called) to {@code target}
     * in the segment format: a header with {@code fromSequence} and the hash before it, then the records as
     * stored, copied from the live and archived segments after checking them. Appends meanwhile do not
     * matter. The file is written as {@code .<name>.part} beside {@code target}, fsynced and linked into
     * place; it is never left behind on failure. Throws a {@link BerthException}: INVALID for
     * {@code fromSequence < 1}, {@code fromSequence} past the head, {@code toSequence < fromSequence}, an
     * existing {@code target} or a missing directory; CONFLICT when the {@code .part} file exists;
     * {@link LogCorruptedException} when a record in the range is damaged; UNAVAILABLE when files cannot be
     * read or written.
     */
    @Override
    public LogExport export(long fromSequence, long toSequence, Path target) throws BerthException {
        Objects.requireNonNull(target, "target");
        State s = state;
        long head = s.head().sequence();
        String action = "export event log records " + fromSequence + ".." + toSequence + " to " + target;
        LogExporter.checkRange(fromSequence, toSequence, head, action);
        LogExporter.checkTarget(target, action);
        try (ChainWalker walker = walkerFrom(s, fromSequence)) {
            return LogExporter.write(walker, fromSequence, Math.min(toSequence, head), target, action);
        } catch (Damage d) {
            throw d.toException();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": " + describe(e), e);
        }
    }

    /**
     * Moves every whole live segment whose last record comes before {@code beforeSequence}, oldest first and
     * never the current one, to {@code archive/segment-<first>.log.gz} (see {@link SegmentArchive} for why
     * no record is ever in neither place), and returns what it moved; empty when nothing qualified, so a
     * repeated call is harmless. Each segment is checked record by record on the way. Throws
     * {@link LogCorruptedException} for a damaged segment and UNAVAILABLE when files cannot be written or
     * the log is closed; segments archived before the failure stay archived.
     */
    @Override
    public List<ArchivedSegment> archive(long beforeSequence) throws BerthException {
        archiveLock.lock();
        try {
            queueLock.lock();
            try {
                if (closing) {
                    throw new BerthException(ErrorKind.UNAVAILABLE, "archive event log " + dir + ": the log is closed");
                }
            } finally {
                queueLock.unlock();
            }
            List<ArchivedSegment> archived = new ArrayList<>();
            while (true) {
                List<Segment> segs = state.segments();
                int oldestLive = 0;
                while (segs.get(oldestLive).isArchived()) {
                    oldestLive++;
                }
                if (oldestLive == segs.size() - 1 || segs.get(oldestLive + 1).firstSequence() - 1 >= beforeSequence) {
                    return List.copyOf(archived);
                }
                archived.add(archiveSegment(segs.get(oldestLive), segs.get(oldestLive + 1)));
            }
        } finally {
            archiveLock.unlock();
        }
    }

    /** Every archived segment, oldest first. */
    @Override
    public List<ArchivedSegment> archived() {
        List<ArchivedSegment> archived = new ArrayList<>();
        for (Segment segment : state.segments()) {
            if (segment.isArchived()) {
                archived.add(segment.archive());
            }
        }
        return List.copyOf(archived);
    }

    /**
     * Writes one archive, then lets readers find the segment there, then deletes the live file. A reader that
     * listed the segment as live and opens it after the delete is sent to the archive by {@link Segment#open}.
     */
    private ArchivedSegment archiveSegment(Segment live, Segment next) throws BerthException {
        ArchivedSegment done;
        try {
            done = SegmentArchive.archive(dir, live, next, options.channelOpener());
        } catch (Damage d) {
            throw d.toException();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "archive event log segment " + live.file() + ": "
                    + describe(e), e);
        }
        Segment archived = Segment.archived(Path.of(done.file()), done);
        updateState(s -> {
            List<Segment> changed = new ArrayList<>(s.segments());
            changed.set(changed.indexOf(live), archived);
            return s.withSegments(changed);
        });
        try {
            Files.delete(live.file());
            fsyncDirectory(dir);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, "archive event log segment " + live.file() + ": archived to "
                    + done.file() + " but cannot remove the live file (" + describe(e)
                    + "); until it is removed, the next open uses the live file and drops the archive", e);
        }
        return done;
    }

    /** Replaces the published state; the writer thread and archiving both change it, never at once. */
    private void updateState(UnaryOperator<State> change) {
        synchronized (stateLock) {
            state = change.apply(state);
        }
    }

    /**
     * Writes and acknowledges every append queued so far, then stops the writer and releases the files.
     * Later appends fail with UNAVAILABLE. Idempotent.
     */
    @Override
    public void close() {
        // An archiving in progress finishes first: it moves files only while this log holds the directory.
        archiveLock.lock();
        try {
            queueLock.lock();
            try {
                closing = true;
                writerWaiting = false;
                queueNotEmpty.signal();
            } finally {
                queueLock.unlock();
            }
        } finally {
            archiveLock.unlock();
        }
        // A listener may close the log from the writer thread itself; the writer then exits on its own.
        if (Thread.currentThread() != writerThread) {
            boolean interrupted = false;
            while (writerThread.isAlive()) {
                try {
                    writerThread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---------------------------------------------------------------- reading

    private static ChainWalker walkerFrom(State s, long fromSequence) throws IOException, Damage {
        List<Segment> segs = s.segments();
        int index = 0;
        for (int i = segs.size() - 1; i >= 0; i--) {
            if (segs.get(i).firstSequence() <= fromSequence) {
                index = i;
                break;
            }
        }
        Segment segment = segs.get(index);
        Segment.Entry start = segment.floorBySequence(fromSequence);
        if (start == null) {
            start = new Segment.Entry(segment.firstSequence(), HEADER_BYTES, Long.MIN_VALUE, segment.anchor());
        }
        return new ChainWalker(segs, s.lastSegmentEnd(), s.head().sequence(), index, start);
    }

    private static long toNanos(Instant time) {
        try {
            return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000_000L), time.getNano());
        } catch (ArithmeticException e) {
            return time.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    // ---------------------------------------------------------------- writing

    private void runWriter() {
        List<Pending> batch = new ArrayList<>();
        try {
            while (true) {
                queueLock.lock();
                try {
                    while (queue.isEmpty() && !closing) {
                        writerWaiting = true;
                        queueNotEmpty.awaitUninterruptibly();
                    }
                    if (queue.isEmpty()) {
                        return;
                    }
                    List<Pending> taken = queue;
                    queue = batch;
                    batch = taken;
                } finally {
                    queueLock.unlock();
                }
                try {
                    writeBatch(batch);
                } catch (RuntimeException | Error e) {
                    // A bug, not an I/O failure: stop rather than guess what is on disk.
                    stop("event log writer failed: " + e + "; restart the daemon");
                    for (Pending p : batch) {
                        p.future.completeExceptionally(new BerthException(ErrorKind.INTERNAL,
                                "append event " + p.draft.type() + ": " + e, e));
                    }
                    LOG.log(System.Logger.Level.ERROR, "event log writer failed", e);
                }
                batch.clear();
            }
        } finally {
            closeQuietly(channel);
            closeQuietly(lockChannel);
        }
    }

    private void writeBatch(List<Pending> batch) {
        int n = batch.size();
        int i = 0;
        while (i < n) {
            String stopped = stoppedMessage;
            if (stopped != null) {
                failRange(batch, i, n, p -> new BerthException(ErrorKind.UNAVAILABLE, stopped));
                return;
            }
            if (writePosition > HEADER_BYTES && writePosition + batch.get(i).frameLength() > options.segmentBytes()) {
                try {
                    rollOver();
                } catch (FsyncFailure e) {
                    failStopped(batch, i, n, e);
                    return;
                } catch (IOException e) {
                    Path next = dir.resolve(SegmentFormat.fileName(nextSequence));
                    failRange(batch, i, n, p -> appendFailed(p, next, e));
                    return;
                }
            }
            int j = encode(batch, i);
            commit(batch, i, j);
            i = j;
        }
    }

    /**
     * Encodes records from {@code batch[from]} on into {@link #out}, as many as fit in the current segment
     * and the write buffer (at least one), and returns the index after the last encoded.
     */
    private int encode(List<Pending> batch, int from) {
        written.clear();
        newEntries.clear();
        long sequence = nextSequence;
        long time = lastTimeNanos;
        long position = writePosition;
        long indexed = lastIndexedOffset;
        ChainHash previous = lastHashObject;
        byte[] hash = new byte[HASH_BYTES];
        int length = 0;
        int i = from;
        for (; i < batch.size(); i++) {
            Pending p = batch.get(i);
            int frame = p.frameLength();
            if (i > from && (position + frame > options.segmentBytes() || length + frame > MAX_WRITE_BYTES)) {
                break;
            }
            time = Math.max(nowNanos(), time + 1);
            if (out.length < length + frame) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, length + frame));
            }
            int bodyLength = frame - FRAME_BYTES;
            int body = length + FRAME_BYTES;
            int at = body;
            LONG.set(out, at, sequence);
            LONG.set(out, at + 8, time);
            SHORT.set(out, at + 16, (short) p.type.length);
            at += 18;
            System.arraycopy(p.type, 0, out, at, p.type.length);
            at += p.type.length;
            INT.set(out, at, p.draft.version());
            SHORT.set(out, at + 4, (short) p.subject.length);
            at += 6;
            System.arraycopy(p.subject, 0, out, at, p.subject.length);
            at += p.subject.length;
            INT.set(out, at, p.payload.length);
            at += 4;
            System.arraycopy(p.payload, 0, out, at, p.payload.length);
            at += p.payload.length;
            byte[] previousBytes = previous == lastHashObject ? lastHash : hash;
            System.arraycopy(previousBytes, 0, out, at, HASH_BYTES);
            INT.set(out, length, bodyLength);
            INT.set(out, length + 4, SegmentFormat.lengthCrc(crc, bodyLength));
            crc.reset();
            crc.update(out, body, bodyLength);
            INT.set(out, length + 8, (int) crc.getValue());
            if (indexed < 0 || position - indexed >= Segment.INDEX_INTERVAL) {
                newEntries.add(new Segment.Entry(sequence, position, time, previousBytes.clone()));
                indexed = position;
            }
            sha.update(out, body, bodyLength);
            try {
                sha.digest(hash, 0, HASH_BYTES);
            } catch (DigestException e) {
                throw new IllegalStateException("SHA-256 digest of 32 bytes", e);
            }
            ChainHash hashObject = SegmentFormat.chainHash(hash, 0);
            written.add(new EventRecord(sequence, time, p.draft.type(), p.draft.version(), p.draft.subject(),
                    p.draft.payload(), previous, hashObject));
            previous = hashObject;
            sequence++;
            position += frame;
            length += frame;
        }
        return i;
    }

    /** Writes what {@link #encode} produced for {@code batch[from..to)}, fsyncs, then publishes it. */
    private void commit(List<Pending> batch, int from, int to) {
        int length = 0;
        for (int i = from; i < to; i++) {
            length += batch.get(i).frameLength();
        }
        ByteBuffer buffer = ByteBuffer.wrap(out, 0, length);
        long position = writePosition;
        try {
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
        } catch (IOException e) {
            rollBackWrite(e);
            Path file = current.file();
            failRange(batch, from, to, p -> appendFailed(p, file, e));
            return;
        }
        try {
            channel.force(false);
        } catch (IOException e) {
            failStopped(batch, from, to, new FsyncFailure(current.file(), e));
            return;
        }
        EventRecord last = written.get(written.size() - 1);
        for (Segment.Entry entry : newEntries) {
            current.add(entry);
            lastIndexedOffset = entry.offset();
        }
        writePosition = position;
        nextSequence = last.sequence() + 1;
        lastTimeNanos = last.timeNanos();
        lastHashObject = last.hash();
        lastHash = lastHashObject.bytes();
        LogHead head = new LogHead(last.sequence(), last.timeNanos(), last.hash());
        long end = writePosition;
        updateState(s -> new State(head, s.segments(), end));
        // Listeners first, then the appender: once an append's stage completes, every listener registered
        // before it has the record, and a listener registered after it never gets it ("from now on").
        for (int i = from; i < to; i++) {
            EventRecord record = written.get(i - from);
            for (Subscription s : subscriptions) {
                try {
                    s.listener.accept(record);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "event log subscriber failed on sequence "
                            + record.sequence(), e);
                }
            }
            batch.get(i).future.complete(record);
        }
    }

    /** Cuts the segment back to its durable end after a failed write, so the next append starts clean. */
    private void rollBackWrite(IOException cause) {
        try {
            channel.truncate(writePosition);
        } catch (IOException e) {
            e.addSuppressed(cause);
            stop("event log stopped: cannot cut " + current.file() + " back to " + writePosition
                    + " after a failed write: " + describe(e) + "; restart the daemon");
        }
    }

    /** Creates the next segment, fsyncs it and the directory, and makes it current. */
    private void rollOver() throws IOException {
        Path file = dir.resolve(SegmentFormat.fileName(nextSequence));
        FileChannel next = options.channelOpener().open(file, CREATE);
        boolean done = false;
        try {
            ByteBuffer header = ByteBuffer.wrap(SegmentFormat.header(nextSequence, lastHash));
            while (header.hasRemaining()) {
                next.write(header, header.position());
            }
            try {
                next.force(false);
            } catch (IOException e) {
                throw new FsyncFailure(file, e);
            }
            fsyncDirectory(dir);
            done = true;
        } finally {
            if (!done) {
                closeQuietly(next);
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot remove half-created segment " + file, e);
                }
            }
        }
        closeQuietly(channel);
        channel = next;
        current = new Segment(file, nextSequence, lastHash);
        writePosition = HEADER_BYTES;
        lastIndexedOffset = -1;
        Segment added = current;
        updateState(s -> {
            List<Segment> grown = new ArrayList<>(s.segments());
            grown.add(added);
            return new State(s.head(), List.copyOf(grown), HEADER_BYTES);
        });
    }

    private long nowNanos() {
        Instant now = options.clock().instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private void stop(String message) {
        if (stoppedMessage == null) {
            stoppedMessage = message;
            LOG.log(System.Logger.Level.ERROR, message);
        }
    }

    private void failStopped(List<Pending> batch, int from, int to, FsyncFailure e) {
        stop("event log stopped after fsync failure on " + e.file + ": " + describe(e.getCause())
                + "; restart the daemon");
        String message = stoppedMessage;
        failRange(batch, from, to, p -> new BerthException(ErrorKind.UNAVAILABLE, message, e.getCause()));
    }

    /** An append that failed writing {@code file}: the event's type, the file and the cause. */
    private static BerthException appendFailed(Pending p, Path file, IOException e) {
        return new BerthException(ErrorKind.UNAVAILABLE, "append event " + p.draft.type() + " to " + file + ": "
                + describe(e), e);
    }

    private static void failRange(List<Pending> batch, int from, int to,
            java.util.function.Function<Pending, BerthException> failure) {
        for (int i = from; i < to; i++) {
            Pending p = batch.get(i);
            p.future.completeExceptionally(failure.apply(p));
        }
    }

    /** An fsync that failed: after it the state of the data on disk is unknown. */
    private static final class FsyncFailure extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient Path file;

        FsyncFailure(Path file, IOException cause) {
            super("fsync " + file + ": " + describe(cause), cause);
            this.file = file;
        }
    }

    // ---------------------------------------------------------------- opening

    /** What recovery found: the verified segments, the chain's end and the writer channel on the last file. */
    private static final class Opened {
        final List<Segment> segments = new ArrayList<>();
        FileChannel channel;
        long end;
        long nextSequence = 1;
        byte[] lastHash = new byte[HASH_BYTES];
        long lastTimeNanos;
        Recovery recovery;
    }

    private static FileChannel lockDirectory(Path dir) throws IOException, BerthException {
        FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            closeQuietly(channel);
            throw e;
        }
        if (lock == null) {
            closeQuietly(channel);
            throw new BerthException(ErrorKind.UNAVAILABLE, "open event log " + dir
                    + ": another event log (in this or another process) has it open");
        }
        return channel;
    }

    private static Opened recover(Path dir, Options options) throws IOException, BerthException {
        List<Path> files = segmentFiles(dir);
        SegmentArchive.Loaded archive = SegmentArchive.load(dir, files);
        Opened opened = new Opened();
        opened.segments.addAll(archive.segments());
        opened.lastTimeNanos = archive.lastTimeNanos();
        RecordScanner scanner = new RecordScanner();
        scanner.startChain(archive.nextSequence(), archive.lastHash());
        checkArchiveBoundary(dir, files, archive);
        byte[] header = new byte[HEADER_BYTES];
        long tornAt = -1;
        long fileSize = 0;
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            boolean last = i == files.size() - 1;
            long expected = scanner.expectedSequence();
            boolean partialHeader;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                fileSize = ch.size();
                scanner.position(file, SegmentInput.of(file, ch), 0, fileSize);
                partialHeader = !scanner.readHeader(header);
                if (partialHeader) {
                    if (!last) {
                        throw new LogCorruptedException(file, 0, "segment header truncated");
                    }
                    checkPartialHeader(file, ch, fileSize, SegmentFormat.header(expected, scanner.chainHash()));
                } else {
                    checkHeader(file, header, expected, scanner.chainHash());
                    Segment segment = new Segment(file, expected, scanner.chainHash());
                    opened.segments.add(segment);
                    tornAt = scanRecords(scanner, segment, last, opened);
                }
            }
            if (partialHeader) {
                // A rollover the crash interrupted: the segment never held a record.
                Files.delete(file);
                fsyncDirectory(dir);
                opened.recovery = new Recovery(file.getFileName().toString(), 0, fileSize);
                break;
            }
        }
        opened.nextSequence = scanner.expectedSequence();
        opened.lastHash = scanner.chainHash().clone();
        removeLeftovers(dir, archive.leftovers());
        if (opened.segments.isEmpty() || opened.segments.get(opened.segments.size() - 1).isArchived()) {
            // A new log, or (after an interrupted rollover) one whose live segments all went to the archive.
            Path file = dir.resolve(SegmentFormat.fileName(opened.nextSequence));
            FileChannel ch = options.channelOpener().open(file, CREATE);
            try {
                ByteBuffer h = ByteBuffer.wrap(SegmentFormat.header(opened.nextSequence, opened.lastHash));
                while (h.hasRemaining()) {
                    ch.write(h, h.position());
                }
                ch.force(false);
                fsyncDirectory(dir);
            } catch (IOException e) {
                closeQuietly(ch);
                throw e;
            }
            opened.segments.add(new Segment(file, opened.nextSequence, opened.lastHash));
            opened.channel = ch;
            opened.end = HEADER_BYTES;
            return opened;
        }
        Segment last = opened.segments.get(opened.segments.size() - 1);
        opened.channel = options.channelOpener().open(last.file(), WRITE);
        try {
            if (tornAt >= 0) {
                opened.channel.truncate(tornAt);
                opened.channel.force(false);
                opened.recovery = new Recovery(last.file().getFileName().toString(), tornAt, fileSize - tornAt);
                opened.end = tornAt;
            } else {
                opened.end = opened.channel.size();
            }
        } catch (IOException e) {
            closeQuietly(opened.channel);
            throw e;
        }
        if (opened.recovery != null) {
            LOG.log(System.Logger.Level.WARNING, "event log " + dir + ": cut off a torn tail: " + opened.recovery);
        }
        return opened;
    }

    /**
     * The first live segment must start where the archive ends (at 1 without one), with a clear message
     * when records in between are missing; and a log that archived segments has a live one after them.
     */
    private static void checkArchiveBoundary(Path dir, List<Path> files, SegmentArchive.Loaded archive)
            throws LogCorruptedException {
        long expected = archive.nextSequence();
        Path archiveDir = dir.resolve(ArchiveFormat.DIRECTORY);
        if (files.isEmpty()) {
            if (!archive.segments().isEmpty()) {
                throw new LogCorruptedException(dir.resolve(SegmentFormat.fileName(expected)), 0,
                        "segment file is missing: the archive ends at sequence " + (expected - 1)
                                + " but no live segment follows it");
            }
            return;
        }
        Path first = files.get(0);
        long named = SegmentFormat.parseFileName(first.getFileName().toString());
        if (named != expected) {
            throw new LogCorruptedException(first, 0, "segment starts at sequence " + named + ", expected " + expected
                    + SegmentArchive.missing(archiveDir, expected, named));
        }
    }

    /** Removes what an interrupted archiving left, now that the live segments it duplicates checked out. */
    private static void removeLeftovers(Path dir, List<Path> leftovers) throws IOException {
        for (Path leftover : leftovers) {
            LOG.log(System.Logger.Level.WARNING, "event log " + dir + ": removing " + leftover
                    + ", left by an interrupted archiving (the live segment is kept)");
            Files.delete(leftover);
        }
        if (!leftovers.isEmpty()) {
            fsyncDirectory(dir.resolve(ArchiveFormat.DIRECTORY));
        }
    }

    /**
     * Reads every record of {@code segment} after its header, indexing it as it goes. Returns the offset
     * of a torn final record (allowed only in the {@code last} segment) or -1; throws for damage.
     */
    private static long scanRecords(RecordScanner scanner, Segment segment, boolean last, Opened opened)
            throws IOException, LogCorruptedException {
        Path file = segment.file();
        long indexed = -1;
        while (true) {
            switch (scanner.next()) {
                case RECORD:
                    long offset = scanner.recordOffset();
                    if (indexed < 0 || offset - indexed >= Segment.INDEX_INTERVAL) {
                        segment.add(new Segment.Entry(scanner.sequence(), offset, scanner.timeNanos(),
                                scanner.previousHash()));
                        indexed = offset;
                    }
                    opened.lastTimeNanos = scanner.timeNanos();
                    break;
                case END:
                    return -1;
                case INCOMPLETE:
                    if (!last) {
                        throw new LogCorruptedException(file, scanner.recordOffset(),
                                "record truncated at end of a segment that is not the last");
                    }
                    return scanner.recordOffset();
                case DAMAGED:
                    if (last && scanner.zeroFrom(scanner.recordOffset())) {
                        return scanner.recordOffset();
                    }
                    throw new LogCorruptedException(file, scanner.recordOffset(), scanner.problem());
                default:
                    throw new IllegalStateException();
            }
        }
    }

    private static List<Path> segmentFiles(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "segment-*.log")) {
            for (Path entry : entries) {
                if (SegmentFormat.parseFileName(entry.getFileName().toString()) >= 0 && Files.isRegularFile(entry)) {
                    files.add(entry);
                }
            }
        }
        // Zero-padded names sort in sequence order.
        files.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return files;
    }

    private static void checkHeader(Path file, byte[] header, long expected, byte[] anchor) throws LogCorruptedException {
        if (!Arrays.equals(header, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new LogCorruptedException(file, 0, "bad segment magic");
        }
        long first = (long) LONG.get(header, 8);
        long named = SegmentFormat.parseFileName(file.getFileName().toString());
        if (first != named) {
            throw new LogCorruptedException(file, 0, "segment header declares first sequence " + first
                    + " but the file name says " + named);
        }
        if (first != expected) {
            throw new LogCorruptedException(file, 0, "segment starts at sequence " + first + ", expected " + expected);
        }
        if (!Arrays.equals(header, 16, 16 + HASH_BYTES, anchor, 0, HASH_BYTES)) {
            throw new LogCorruptedException(file, 0, "segment anchor does not match the hash of sequence "
                    + (expected - 1));
        }
    }

    /**
     * A last segment shorter than its header is a rollover a crash interrupted, provided what is there is
     * the start of the header that rollover would have written (or zeros); anything else is damage.
     */
    private static void checkPartialHeader(Path file, FileChannel ch, long size, byte[] expectedHeader)
            throws IOException, LogCorruptedException {
        long named = SegmentFormat.parseFileName(file.getFileName().toString());
        if (named != (long) LONG.get(expectedHeader, 8)) {
            throw new LogCorruptedException(file, 0, "segment file name says first sequence " + named
                    + " but the log continues at " + (long) LONG.get(expectedHeader, 8));
        }
        ByteBuffer partial = ByteBuffer.allocate((int) size);
        while (partial.hasRemaining() && ch.read(partial, partial.position()) >= 0) {
            // Keep reading until the short file is in memory.
        }
        byte[] bytes = partial.array();
        boolean prefix = Arrays.equals(bytes, 0, bytes.length, expectedHeader, 0, bytes.length);
        boolean zeros = true;
        for (byte b : bytes) {
            zeros &= b == 0;
        }
        if (!prefix && !zeros) {
            throw new LogCorruptedException(file, 0, "segment header truncated and does not match the log");
        }
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            throw new FsyncFailure(dir, e);
        }
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null ? e.toString() : message;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.DEBUG, "close " + closeable, e);
            }
        }
    }
}
