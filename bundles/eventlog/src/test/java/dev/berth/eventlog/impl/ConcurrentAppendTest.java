package dev.berth.eventlog.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.api.event.EventDraft;
import dev.berth.api.event.EventRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ConcurrentAppendTest {
    private static final int APPENDERS = 64;
    private static final int EACH = 500;
    private static final int TOTAL = APPENDERS * EACH;

    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void sixtyFourAppendersGetContiguousSequencesInTheirOwnOrder() throws Exception {
        // Small segments so rollover happens under contention too.
        SegmentedEventLog.Options options = SegmentedEventLog.Options.defaults().withSegmentBytes(256 << 10);
        try (SegmentedEventLog log = SegmentedEventLog.open(dir, options)) {
            ConcurrentLinkedQueue<EventRecord> seen = new ConcurrentLinkedQueue<>();
            CountDownLatch delivered = new CountDownLatch(TOTAL);
            log.subscribe(r -> {
                seen.add(r);
                delivered.countDown();
            });
            List<List<CompletableFuture<EventRecord>>> perAppender = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            for (int t = 0; t < APPENDERS; t++) {
                List<CompletableFuture<EventRecord>> futures = new ArrayList<>();
                perAppender.add(futures);
                int appender = t;
                // Even appenders wait for each acknowledgement, odd ones pipeline all their appends.
                boolean waits = t % 2 == 0;
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < EACH; i++) {
                        CompletableFuture<EventRecord> f = log.append(new EventDraft("note.added", 1,
                                "appender-" + appender, "{\"appender\":" + appender + ",\"n\":" + i + "}"))
                                .toCompletableFuture();
                        futures.add(f);
                        if (waits) {
                            f.join();
                        }
                    }
                }, "appender-" + t);
                threads.add(thread);
                thread.start();
            }
            start.countDown();
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(50));
                assertTrue(!thread.isAlive(), thread.getName() + " finished");
            }

            boolean[] used = new boolean[TOTAL + 1];
            for (int t = 0; t < APPENDERS; t++) {
                List<CompletableFuture<EventRecord>> futures = perAppender.get(t);
                assertEquals(EACH, futures.size());
                long previous = 0;
                for (int i = 0; i < EACH; i++) {
                    EventRecord r = futures.get(i).get(10, TimeUnit.SECONDS);
                    assertEquals("{\"appender\":" + t + ",\"n\":" + i + "}", r.payload());
                    assertTrue(r.sequence() > previous, "appender " + t + " event " + i + " keeps its order");
                    previous = r.sequence();
                    assertTrue(r.sequence() >= 1 && r.sequence() <= TOTAL, "sequence " + r.sequence() + " in range");
                    assertTrue(!used[(int) r.sequence()], "sequence " + r.sequence() + " given once");
                    used[(int) r.sequence()] = true;
                }
            }
            assertEquals(TOTAL, log.head().sequence());

            assertTrue(delivered.await(10, TimeUnit.SECONDS), "listener saw every record");
            List<EventRecord> fromListener = new ArrayList<>(seen);
            List<EventRecord> fromDisk = LogFiles.readAll(log, 1);
            assertEquals(TOTAL, fromDisk.size());
            for (int i = 0; i < TOTAL; i++) {
                assertEquals(i + 1, fromDisk.get(i).sequence());
            }
            LogFiles.assertSameRecords(fromDisk, fromListener);
            assertTrue(log.verify(1).intact());
            assertTrue(LogFiles.segments(dir).size() > 1, "rolled over under contention");
        }
    }
}
