package dev.berth.vertx.internal;

import io.vertx.core.spi.ExecutorServiceFactory;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Vert.x's worker pools as Vert.x makes them (a fixed number of threads, an unbounded queue), except that a
 * thread idle for {@link #KEEP_ALIVE} ends. Vert.x's own pool keeps every thread it ever started: one
 * {@code executeBlocking} per thread until the pool's size is reached, whether or not the others are busy,
 * so after a single pull an idle daemon held 20 worker threads (about 2 MiB of stacks) for good. Found by
 * Vert.x through {@link java.util.ServiceLoader} ({@code META-INF/services} in this bundle, whose class
 * loader the bus bundle makes the context class loader while it builds the Vert.x instance).
 */
public final class IdleWorkerExecutors implements ExecutorServiceFactory {
    /** How long a worker thread waits for work before it ends. */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(10);

    private final Duration keepAlive;

    /** The instance {@link java.util.ServiceLoader} makes. */
    public IdleWorkerExecutors() {
        this(KEEP_ALIVE);
    }

    IdleWorkerExecutors(Duration keepAlive) {
        this.keepAlive = keepAlive;
    }

    @Override
    public ExecutorService createExecutor(ThreadFactory threadFactory, Integer concurrency, Integer maxConcurrency) {
        int threads = maxConcurrency;
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, keepAlive.toMillis(), TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), threadFactory);
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
