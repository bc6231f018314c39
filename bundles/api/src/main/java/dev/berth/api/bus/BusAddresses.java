package dev.berth.api.bus;

/**
 * The Vert.x event-bus addresses of the engine: lowercase and dot-separated. Durable events are
 * published (never sent) under {@code berth.events} and {@code berth.events.<type>}, only after the log
 * has them on disk; request/reply work goes to {@code berth.engine.*} and, later, {@code berth.stage.*}.
 * Message bodies are JSON object text.
 */
public final class BusAddresses {
    /** Every durable event, in sequence order; body: the envelope as JSON. */
    public static final String EVENTS = "berth.events";
    /** Engine facts for {@code berth info}; reply: JSON object. */
    public static final String ENGINE_INFO = "berth.engine.info";
    /** The plugin projection for {@code berth plugins}; reply: JSON object {"plugins": [...]}. */
    public static final String ENGINE_PLUGINS = "berth.engine.plugins";
    /** Append an operator note; request {"message":..., "subject":...}; reply: {"sequence":..., "hash":...}. */
    public static final String ENGINE_NOTE = "berth.engine.note";

    private BusAddresses() {
    }

    /** The address one event type is published on: {@code berth.events.container.started}. */
    public static String eventAddress(String type) {
        return EVENTS + "." + type;
    }
}
