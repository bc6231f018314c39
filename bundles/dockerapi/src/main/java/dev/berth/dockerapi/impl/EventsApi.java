package dev.berth.dockerapi.impl;

import dev.berth.api.bus.BusAddresses;
import dev.berth.api.event.EventLog;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * {@code GET /events?since=&until=&filters=}: Docker's event stream, read from Berth's durable log
 * ({@link DockerEventStream}) and translated ({@link EventTranslator}). Container names and image ids the
 * translation needs are seeded from the engine's container and image lists. Thread-safe.
 */
final class EventsApi implements DockerRoutes {
    private final EngineBus engine;
    private final EventLog log;

    EventsApi(EngineBus engine, EventLog log) {
        this.engine = engine;
        this.log = log;
    }

    @Override
    public boolean handle(DockerRequest request) {
        if (request.match(HttpMethod.GET, "/events") == null) {
            return false;
        }
        Instant since = DockerTime.parse("since", request.query().string("since"));
        Instant until = DockerTime.parse("until", request.query().string("until"));
        if (since != null && until != null && until.isBefore(since)) {
            throw DockerException.invalid("until (" + until + ") is before since (" + since + ")");
        }
        EventMatcher matcher = new EventMatcher(DockerFilters.parse(request.query().string("filters")));
        EventTranslator translator = new EventTranslator();
        Future<JsonObject> containers = engine.ask(BusAddresses.ENGINE_CONTAINERS,
                new JsonObject().put("op", "list").put("all", true)).otherwise(new JsonObject());
        Future<JsonObject> images = engine.ask(BusAddresses.ENGINE_IMAGES, new JsonObject()).otherwise(new JsonObject());
        Future.join(containers, images).onComplete(ar -> {
            for (Object entry : containers.result().getJsonArray("containers", new JsonArray())) {
                if (entry instanceof JsonObject c && c.getString("id") != null) {
                    translator.knowContainer(c.getString("id"), c.getString("name", ""),
                            DockerNames.familiar(c.getString("image", "")));
                }
            }
            for (Object entry : images.result().getJsonArray("images", new JsonArray())) {
                if (entry instanceof JsonObject i && i.getString("manifestDigest") != null && i.getString("id") != null) {
                    translator.knowImage(i.getString("manifestDigest"), i.getString("id"));
                }
            }
            DockerEventStream.start(engine.vertx(), log, request.response(), translator, matcher, since, until);
        });
        return true;
    }
}
