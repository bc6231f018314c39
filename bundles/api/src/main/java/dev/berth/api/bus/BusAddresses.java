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
    /**
     * Plugin changes: request {"op": "install"|"update"|"stop"|"start"|"remove"|"use", "id", "file", "force",
     * "stage", "use"}; reply: the plugin as it is afterwards.
     */
    public static final String ENGINE_PLUGIN = "berth.engine.plugin";
    /**
     * Check the event log's CRCs and hash chain; request {"from": SEQ}; reply {"intact", "fromSequence",
     * "verifiedThrough", "head", "headHash", "damage": {"file", "offset", "sequence", "problem"} or null}.
     */
    public static final String ENGINE_AUDIT_VERIFY = "berth.engine.audit.verify";
    /**
     * The audit side of the log; request {"op": "history", "target"} | {"op": "at", "what": "ps"|"inspect"|"images",
     * "at…", "all", "id"} | {"op": "replay"} | {"op": "export", "since…", "until…", "file"} |
     * {"op": "archive", "before…"}, where a bound is "NAMESequence": N or "NAMETime": RFC 3339.
     */
    public static final String ENGINE_AUDIT = "berth.engine.audit";
    /** Append an operator note; request {"message":..., "subject":...}; reply: {"sequence":..., "hash":...}. */
    public static final String ENGINE_NOTE = "berth.engine.note";

    /** Pull an image end to end (pull, then expand each layer); request {"reference", "platform", "progress"}. */
    public static final String ENGINE_PULL = "berth.engine.pull";
    /** The image projection for {@code berth images}; reply {"images": [...]}. */
    public static final String ENGINE_IMAGES = "berth.engine.images";
    /** One image's anatomy for {@code berth image inspect}; request {"reference"}. */
    public static final String ENGINE_IMAGE_INSPECT = "berth.engine.image.inspect";
    /** Point a name at a stored image; request {"source", "target"}. */
    public static final String ENGINE_IMAGE_TAG = "berth.engine.image.tag";
    /** Untag or remove an image; request {"reference", "force"}. */
    public static final String ENGINE_IMAGE_REMOVE = "berth.engine.image.remove";
    /** Delete blobs and snapshots no image refers to; request {}. */
    public static final String ENGINE_IMAGE_PRUNE = "berth.engine.image.prune";
    /** Load images from an archive on the daemon's host; request {"archive", "progress"}. */
    public static final String ENGINE_LOAD = "berth.engine.load";
    /** Save images to an archive on the daemon's host; request {"references", "target", "format"}. */
    public static final String ENGINE_SAVE = "berth.engine.save";
    /**
     * Make a one-layer image of a filesystem tar; request {"file" (absolute), "reference", "changes",
     * "message", "platform"}.
     */
    public static final String ENGINE_IMPORT = "berth.engine.import";
    /** Upload a stored image to a registry; request {"reference", "insecure", "progress"}. */
    public static final String ENGINE_PUSH = "berth.engine.push";
    /** Check and store a registry login; request {"registry", "username", "password"}. */
    public static final String ENGINE_LOGIN = "berth.engine.login";
    /** Prefix of per-operation progress addresses: {@code berth.progress.<operation id>}. */
    public static final String PROGRESS_PREFIX = "berth.progress.";

    /**
     * Published by runtime plugins when a container's or exec's process ends (not durable: the engine logs
     * it); body {"runtime","id","execId","exitCode","signal","oomKilled","finishedAt"}, and "reason" when the
     * exit code is unknown or the process could not be started.
     */
    public static final String RUNTIME_EXITED = "berth.runtime.exited";
    /**
     * Container requests: create, start, stop, kill, remove, list, inspect, wait, exec, runtimes, changes,
     * commit, export, pause, unpause; body {"op", ...}.
     */
    public static final String ENGINE_CONTAINERS = "berth.engine.containers";

    private BusAddresses() {
    }

    /** The request/reply address of one stage: {@code berth.stage.pull}. */
    public static String stageAddress(String stage) {
        return "berth.stage." + stage;
    }

    /** The address one event type is published on: {@code berth.events.container.started}. */
    public static String eventAddress(String type) {
        return EVENTS + "." + type;
    }
}
