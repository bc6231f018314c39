package dev.berth.api.event;

import dev.berth.api.BerthException;

/**
 * Unchecked carrier for a failure while iterating an {@link EventCursor}; the cause is the
 * {@link BerthException} that names the file and offset.
 */
public final class LogReadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LogReadException(BerthException cause) {
        super(cause.getMessage(), cause);
    }

    @Override
    public synchronized BerthException getCause() {
        return (BerthException) super.getCause();
    }
}
