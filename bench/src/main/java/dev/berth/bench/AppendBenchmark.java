package dev.berth.bench;

import dev.berth.api.BerthException;
import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventRecord;
import dev.berth.eventlog.impl.SegmentedEventLog;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Acknowledged appends per second: each benchmark thread appends a 200-byte event and waits until it is
 * fsynced, so concurrency comes only from group commit. The log lives on the root filesystem (see
 * {@link BenchDirectory}). {@link #fsyncFloor} is the anchor: one thread writing a record of the same
 * size with a plain FileChannel and forcing it each time, which bounds what a single appender can get.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AppendBenchmark {
    private Path dir;
    private SegmentedEventLog log;
    private final EventDraft draft = Events.draft(42);

    @Setup
    public void open() throws BerthException {
        dir = BenchDirectory.create("berth-append-");
        log = SegmentedEventLog.open(dir);
    }

    @TearDown
    public void close() {
        log.close();
        BenchDirectory.delete(dir);
    }

    @Benchmark
    @Threads(1)
    public EventRecord append1() {
        return log.append(draft).toCompletableFuture().join();
    }

    @Benchmark
    @Threads(8)
    public EventRecord append8() {
        return log.append(draft).toCompletableFuture().join();
    }

    @Benchmark
    @Threads(64)
    public EventRecord append64() {
        return log.append(draft).toCompletableFuture().join();
    }

    @Benchmark
    @Threads(1)
    public long fsyncFloor(FsyncFloor floor) throws java.io.IOException {
        return floor.writeAndForce();
    }

    /** A plain file written one record at a time, each forced. Not thread-safe: one benchmark thread. */
    @State(Scope.Thread)
    public static class FsyncFloor {
        private Path dir;
        private java.nio.channels.FileChannel channel;
        private final java.nio.ByteBuffer record = java.nio.ByteBuffer.allocateDirect(Events.RECORD_BYTES);
        private long position;

        @Setup
        public void open() throws java.io.IOException {
            dir = BenchDirectory.create("berth-fsync-");
            channel = java.nio.channels.FileChannel.open(dir.resolve("plain.log"),
                    java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
        }

        long writeAndForce() throws java.io.IOException {
            record.clear();
            while (record.hasRemaining()) {
                position += channel.write(record, position);
            }
            channel.force(false);
            return position;
        }

        @TearDown
        public void close() throws java.io.IOException {
            channel.close();
            BenchDirectory.delete(dir);
        }
    }
}
