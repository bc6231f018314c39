package dev.berth.plugin.pull.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs one task per item, a bounded number at a time on daemon threads, and fails with the first failure,
 * interrupting the tasks still running: how pull fetches and push uploads blobs. Stateless.
 */
final class BoundedParallel {
    /** The work for one item. */
    @FunctionalInterface
    interface Task<T> {
        void run(T item) throws BerthException;
    }

    private BoundedParallel() {
    }

    /**
     * Runs {@code task} for every item, at most {@code concurrency} at once, and returns when all succeeded.
     *
     * @param threadName the name of the worker threads
     * @param action     what the tasks do together, for the messages of unexpected failures
     * @throws BerthException the first task failure as it is; INTERNAL for an unexpected exception,
     *                        UNAVAILABLE when interrupted
     */
    static <T> void run(List<T> items, int concurrency, String threadName, String action, Task<T> task)
            throws BerthException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(concurrency, items.size())), r -> {
            Thread thread = new Thread(r, threadName);
            thread.setDaemon(true);
            return thread;
        });
        ExecutorCompletionService<Void> completion = new ExecutorCompletionService<>(pool);
        List<Future<Void>> futures = new ArrayList<>();
        try {
            for (T item : items) {
                futures.add(completion.submit(() -> {
                    task.run(item);
                    return null;
                }));
            }
            for (int i = 0; i < futures.size(); i++) {
                try {
                    completion.take().get();
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof BerthException b) {
                        throw b;
                    }
                    throw new BerthException(ErrorKind.INTERNAL, action + ": " + cause, cause);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": interrupted", e);
        } finally {
            futures.forEach(f -> f.cancel(true));
            pool.shutdownNow();
            try {
                pool.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
