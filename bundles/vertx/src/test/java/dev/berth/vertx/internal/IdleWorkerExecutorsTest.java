package dev.berth.vertx.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IdleWorkerExecutorsTest {
    /** Counts the threads a pool starts, so a test can see them end. */
    private static final class CountingThreads implements ThreadFactory {
        final List<Thread> started = new CopyOnWriteArrayList<>();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "test-worker-" + started.size());
            t.setDaemon(true);
            started.add(t);
            return t;
        }

        long alive() {
            return started.stream().filter(Thread::isAlive).count();
        }
    }

    @Test
    void idleThreadsEndAndThePoolStillWorksAfterwards() throws Exception {
        CountingThreads threads = new CountingThreads();
        ExecutorService pool = new IdleWorkerExecutors(Duration.ofMillis(200)).createExecutor(threads, 4, 4);
        try {
            CountDownLatch running = new CountDownLatch(4);
            CountDownLatch release = new CountDownLatch(1);
            for (int i = 0; i < 4; i++) {
                pool.execute(() -> {
                    running.countDown();
                    await(release);
                });
            }
            assertTrue(running.await(10, TimeUnit.SECONDS), "four tasks at once on a pool of four");
            assertEquals(4, threads.alive());
            release.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (threads.alive() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, threads.alive(), "idle workers still alive well past their 200 ms keep-alive");
            CountDownLatch again = new CountDownLatch(1);
            pool.execute(again::countDown);
            assertTrue(again.await(10, TimeUnit.SECONDS), "a task after the threads ended did not run");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theSizeIsVertxsMaximumAndExtraWorkQueues() throws Exception {
        CountingThreads threads = new CountingThreads();
        ExecutorService pool = new IdleWorkerExecutors().createExecutor(threads, 1, 3);
        try {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(6);
            for (int i = 0; i < 6; i++) {
                pool.execute(() -> {
                    await(release);
                    done.countDown();
                });
            }
            Thread.sleep(100);
            assertEquals(3, threads.started.size(), "threads started for six blocked tasks on a pool of three");
            release.countDown();
            assertTrue(done.await(10, TimeUnit.SECONDS), "the queued tasks did not run");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void vertxFindsItThroughTheServiceLoader() {
        Vertx vertx = Vertx.vertx();
        try {
            ExecutorService workers = ((VertxInternal) vertx).workerPool().executor();
            ThreadPoolExecutor pool = assertInstanceOf(ThreadPoolExecutor.class, workers);
            assertTrue(pool.allowsCoreThreadTimeOut(), "Vert.x's worker pool keeps idle threads: " + pool);
            assertEquals(IdleWorkerExecutors.KEEP_ALIVE.toMillis(), pool.getKeepAliveTime(TimeUnit.MILLISECONDS));
        } finally {
            vertx.close();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
