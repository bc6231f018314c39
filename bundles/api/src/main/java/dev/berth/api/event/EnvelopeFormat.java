package dev.berth.api.event;

import java.time.Instant;

/**
 * The one JSON rendering of an {@link EventRecord}, shared by the bus, the API server and anything that
 * stores or streams envelopes. JDK only: the payload is already JSON text and is embedded as is.
 * Stateless and thread-safe.
 */
public final class EnvelopeFormat {
    private EnvelopeFormat() {
    }

    /**
     * Renders {@code record} as one line of JSON:
     * {@code {"sequence":1,"time":"...Z","timeNanos":...,"type":...,"version":1,"subject":...,
     * "payload":{...},"previousHash":...,"hash":...}}.
     */
    public static String toJson(EventRecord record) {
        StringBuilder out = new StringBuilder(record.payload().length() + 320);
        out.append("{\"sequence\":").append(record.sequence())
                .append(",\"time\":");
        quote(out, Instant.ofEpochSecond(0, record.timeNanos()).toString());
        out.append(",\"timeNanos\":").append(record.timeNanos()).append(",\"type\":");
        quote(out, record.type());
        out.append(",\"version\":").append(record.version()).append(",\"subject\":");
        quote(out, record.subject());
        out.append(",\"payload\":").append(record.payload().strip())
                .append(",\"previousHash\":\"").append(record.previousHash().hex())
                .append("\",\"hash\":\"").append(record.hash().hex()).append("\"}");
        return out.toString();
    }

    /** Appends {@code value} as a JSON string literal, escaping quotes, backslashes and control characters. */
    public static void quote(StringBuilder out, String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
