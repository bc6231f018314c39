package dev.berth.plugin.pull.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.event.EventDrafts;
import dev.berth.api.event.EventLog;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Appends the facts of one pull or push to the event log without waiting, and waits for all of them at the
 * end so that a stage never answers before its facts are durable. Thread-safe: blob threads append
 * concurrently; one appender per call.
 */
final class EventAppender {
    private final EventLog log;
    private final String action;
    private final List<CompletableFuture<?>> appends = new CopyOnWriteArrayList<>();

    /**
     * @param action what the stage does ("pull", "push"), for the message when recording fails
     */
    EventAppender(EventLog log, String action) {
        this.log = Objects.requireNonNull(log, "log");
        this.action = Objects.requireNonNull(action, "action");
    }

    /** Appends the event {@code payload} about {@code subject}. */
    CompletableFuture<?> append(String subject, Record payload) {
        CompletableFuture<?> append = log.append(EventDrafts.of(subject, payload)).toCompletableFuture();
        appends.add(append);
        return append;
    }

    /**
     * Waits until every event appended so far is durable.
     *
     * @throws BerthException UNAVAILABLE when the log failed or did not answer within 30 s
     */
    void awaitDurable() throws BerthException {
        try {
            CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": record events: interrupted", e);
        } catch (Exception e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, action + ": record events: " + e.getMessage(), e);
        }
    }
}
