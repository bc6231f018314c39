package dev.berth.bench;

import dev.berth.api.BerthException;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogVerification;
import dev.berth.eventlog.impl.SegmentedEventLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Events per second replayed from a pre-written log of {@value #EVENTS} 200-byte events: {@link #replay}
 * reads them all through {@code read(1)}, checking both CRCs and the hash chain and building every
 * {@link EventRecord}; {@link #verify} runs the same checks without building records. The files are in
 * the page cache after setup, so this measures the reader, not the disk.
 *
 * <p>The anchors read the same segment files without the log: {@link #sha256Floor} hashes every byte once
 * with SHA-256 (what {@code sha256sum} over the files does, without a process start), the work no reader
 * that checks the hash chain can avoid; {@link #readFloor} only copies the bytes out of the page cache in
 * 1 MiB reads (what {@code cat} does). Both count {@value #EVENTS} operations per pass, as replay does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ReplayBenchmark {
    static final int EVENTS = 1_000_000;

    private Path dir;
    private SegmentedEventLog log;

    @Setup
    public void write() throws BerthException {
        dir = BenchDirectory.create("berth-replay-");
        log = SegmentedEventLog.open(dir);
        int chunk = 20_000;
        for (int from = 0; from < EVENTS; from += chunk) {
            List<CompletableFuture<EventRecord>> pending = new ArrayList<>(chunk);
            for (int i = from; i < from + chunk; i++) {
                pending.add(log.append(Events.draft(i)).toCompletableFuture());
            }
            pending.forEach(CompletableFuture::join);
        }
        if (log.head().sequence() != EVENTS) {
            throw new IllegalStateException("wrote " + log.head().sequence() + " events, wanted " + EVENTS);
        }
    }

    @TearDown
    public void close() {
        log.close();
        BenchDirectory.delete(dir);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long replay(Blackhole blackhole) {
        long count = 0;
        try (EventCursor cursor = log.read(1)) {
            while (cursor.hasNext()) {
                blackhole.consume(cursor.next());
                count++;
            }
        }
        if (count != EVENTS) {
            throw new IllegalStateException("replayed " + count + " events, wanted " + EVENTS);
        }
        return count;
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long readFloor() throws IOException {
        return readSegments(null);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public byte[] sha256Floor() throws IOException, NoSuchAlgorithmException {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        readSegments(sha256);
        return sha256.digest();
    }

    /** Reads every segment file in 1 MiB reads, feeding the bytes to digest if not null; returns the bytes read. */
    private long readSegments(MessageDigest digest) throws IOException {
        List<Path> segments;
        try (Stream<Path> files = Files.list(dir)) {
            segments = files.filter(f -> f.getFileName().toString().matches("segment-[0-9]+\\.log")).sorted().toList();
        }
        if (segments.isEmpty()) {
            throw new IllegalStateException("no segment files in " + dir);
        }
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        long total = 0;
        for (Path segment : segments) {
            try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ)) {
                long position = 0;
                int n;
                while ((n = channel.read(buffer.clear(), position)) > 0) {
                    position += n;
                    if (digest != null) {
                        digest.update(buffer.array(), 0, n);
                    }
                }
                total += position;
            }
        }
        return total;
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public LogVerification verify() throws BerthException {
        LogVerification result = log.verify(1);
        if (!result.intact()) {
            throw new IllegalStateException("verify failed: " + result);
        }
        return result;
    }
}
