package dev.berth.bench;

import dev.berth.api.event.EventDraft;

/** The event the benchmarks write: about 200 bytes on disk, framing included. Stateless and thread-safe. */
final class Events {
    /** Bytes of one {@link #draft(int)} record on disk: 12 framing + 60 fixed body + type, subject, payload. */
    static final int RECORD_BYTES = 200;

    private Events() {
    }

    /** A container.started event whose record takes {@link #RECORD_BYTES} bytes for n below 1,000,000. */
    static EventDraft draft(int n) {
        String subject = "container-" + String.format("%06d", n % 1_000_000);
        String type = "container.started";
        String prefix = "{\"pid\":" + (10_000 + n % 10_000) + ",\"note\":\"";
        int fixed = 12 + 60 + type.length() + subject.length() + prefix.length() + 2;
        String payload = prefix + "x".repeat(RECORD_BYTES - fixed) + "\"}";
        return new EventDraft(type, 1, subject, payload);
    }
}
