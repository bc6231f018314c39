package dev.berth.engine.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.bus.BusAddresses;
import dev.berth.api.stage.ArchiveStage;
import dev.berth.api.stage.ExpandStage;
import dev.berth.api.stage.LoadedImage;
import dev.berth.api.stage.SaveItem;
import io.vertx.core.json.JsonArray;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import dev.berth.api.stage.PullStage;
import dev.berth.api.stage.StageProgress;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Puts the active implementation of each stage SPI on the bus: requests to {@code berth.stage.pull} and
 * {@code berth.stage.expand} go to the highest-ranked {@link PullStage} / {@link ExpandStage} service at
 * the moment they arrive, so a plugin can be swapped while the engine runs. With none active the stage
 * answers 503 naming the stage. Thread-safe: references are volatile and swapped by SCR.
 */
@Component(service = {}, immediate = true)
public final class StageBusComponent {
    private final Vertx vertx;
    private final List<MessageConsumer<?>> consumers;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=pull)")
    private volatile PullStage pull;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=expand)")
    private volatile ExpandStage expand;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(berth.stage=archive)")
    private volatile ArchiveStage archive;

    @Activate
    public StageBusComponent(@Reference Vertx vertx) {
        this.vertx = vertx;
        EventBus bus = vertx.eventBus();
        consumers = List.of(
                bus.<String>consumer(BusAddresses.stageAddress(PullStage.STAGE), this::onPull),
                bus.<String>consumer(BusAddresses.stageAddress(ExpandStage.STAGE), this::onExpand),
                bus.<String>consumer(BusAddresses.stageAddress(ArchiveStage.STAGE), this::onArchive));
    }

    private StageProgress progress(JsonObject request) {
        String address = request.getString("progress");
        if (address == null || !address.startsWith(BusAddresses.PROGRESS_PREFIX)) {
            return StageProgress.NONE;
        }
        EventBus bus = vertx.eventBus();
        return (item, status, current, total) -> bus.publish(address, new JsonObject().put("id", item)
                .put("status", status).put("current", current).put("total", total).encode());
    }

    private void onPull(Message<String> message) {
        PullStage stage = pull;
        serve(message, PullStage.STAGE, stage == null ? null : request -> {
            if ("login".equals(request.getString("op"))) {
                Set<String> insecure = new HashSet<>();
                request.getJsonArray("insecure", new JsonArray()).forEach(v -> insecure.add(String.valueOf(v)));
                stage.login(request.getString("registry"), request.getString("username"),
                        request.getString("password"), insecure);
                return new JsonObject();
            }
            return StageJson.pulled(stage.pull(StageJson.pullRequest(request), progress(request)));
        });
    }

    private void onExpand(Message<String> message) {
        ExpandStage stage = expand;
        serve(message, ExpandStage.STAGE, stage == null ? null : request -> StageJson.expanded(
                stage.expand(StageJson.expandRequest(request), progress(request))));
    }

    private void onArchive(Message<String> message) {
        ArchiveStage stage = archive;
        serve(message, ArchiveStage.STAGE, stage == null ? null : request -> {
            if ("save".equals(request.getString("op"))) {
                List<SaveItem> items = new ArrayList<>();
                request.getJsonArray("images").forEach(i -> items.add(StageJson.saveItem((JsonObject) i)));
                stage.save(items, Path.of(request.getString("target")), request.getString("format"), progress(request));
                return new JsonObject();
            }
            JsonArray images = new JsonArray();
            for (LoadedImage image : stage.load(Path.of(request.getString("archive")), progress(request))) {
                images.add(StageJson.loaded(image));
            }
            return new JsonObject().put("images", images);
        });
    }

    /** One stage call: decode, run on a worker thread, reply with the result or a failure code. */
    private interface Call {
        JsonObject run(JsonObject request) throws BerthException;
    }

    private void serve(Message<String> message, String stage, Call call) {
        if (call == null) {
            message.fail(ErrorKind.UNAVAILABLE.httpStatus(), "no " + stage + " stage is active: install or start a "
                    + stage + " plugin (berth plugins)");
            return;
        }
        vertx.executeBlocking(() -> call.run(new JsonObject(message.body())), false).onComplete(ar -> {
            if (ar.succeeded()) {
                message.reply(ar.result().encode());
            } else if (ar.cause() instanceof BerthException b) {
                message.fail(b.kind().httpStatus(), b.getMessage());
            } else if (ar.cause() instanceof IllegalArgumentException e) {
                message.fail(ErrorKind.INVALID.httpStatus(), stage + ": " + e.getMessage());
            } else {
                message.fail(ErrorKind.INTERNAL.httpStatus(), stage + " stage failed: " + ar.cause());
            }
        });
    }

    @Deactivate
    void deactivate() {
        consumers.forEach(MessageConsumer::unregister);
    }
}
