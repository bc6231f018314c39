package dev.berth.bench;

import dev.berth.api.BerthException;
import dev.berth.api.event.EventCursor;
import dev.berth.api.event.EventRecord;
import dev.berth.api.event.LogVerification;
import dev.berth.eventlog.impl.SegmentedEventLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
    public LogVerification verify() throws BerthException {
        LogVerification result = log.verify(1);
        if (!result.intact()) {
            throw new IllegalStateException("verify failed: " + result);
        }
        return result;
    }
}
