package dev.berth.plugin.pull.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP response body as an {@link InputStream} whose reads fail when no byte arrives for a set time, so a
 * stalled registry cannot hang a pull. Not thread-safe for reading: one thread reads while the HTTP client
 * feeds it.
 */
final class TimedBody extends InputStream implements Flow.Subscriber<List<ByteBuffer>> {
    private static final Object END = new Object();

    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();
    private final Duration timeout;
    private volatile Flow.Subscription subscription;
    private volatile boolean closed;
    private boolean ended;

    TimedBody(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (closed) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        queue.add(item);
    }

    @Override
    public void onError(Throwable throwable) {
        queue.add(throwable);
    }

    @Override
    public void onComplete() {
        queue.add(END);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (true) {
            if (closed) {
                throw new IOException("response body closed");
            }
            ByteBuffer head = pending.peek();
            if (head != null) {
                if (!head.hasRemaining()) {
                    pending.poll();
                    continue;
                }
                int n = Math.min(length, head.remaining());
                head.get(bytes, offset, n);
                return n;
            }
            if (ended) {
                return -1;
            }
            Object next;
            try {
                next = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new InterruptedIOException("interrupted while reading the response");
            }
            if (next == null) {
                close();
                throw new HttpTimeoutException("stalled: no data for " + describe(timeout));
            }
            if (next == END) {
                ended = true;
            } else if (next instanceof Throwable t) {
                ended = true;
                throw t instanceof IOException io ? io : new IOException(t.getMessage(), t);
            } else {
                @SuppressWarnings("unchecked")
                List<ByteBuffer> buffers = (List<ByteBuffer>) next;
                pending.addAll(buffers);
                Flow.Subscription s = subscription;
                if (s != null) {
                    s.request(1);
                }
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Flow.Subscription s = subscription;
        if (s != null && !ended) {
            s.cancel();
        }
    }

    static String describe(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + " s" : millis + " ms";
    }
}
