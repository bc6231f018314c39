package dev.berth.bus.impl;

import dev.berth.api.bus.BusAddresses;
import dev.berth.api.event.EnvelopeFormat;
import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventRecord;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Publishes every record of the event log on the bus, in sequence order, once the log reports it
 * durable: on {@link BusAddresses#EVENTS} and on the record's own type address. Nothing reaches the bus
 * that is not already on disk. Thread-safe: the log calls it from its writer thread only.
 */
@Component(service = {}, immediate = true)
public final class LogToBusBridge {
    private final EventBus bus;
    private final AutoCloseable subscription;

    @Activate
    public LogToBusBridge(@Reference EventLog log, @Reference Vertx vertx) {
        this.bus = vertx.eventBus();
        this.subscription = log.subscribe(this::publish);
    }

    void publish(EventRecord record) {
        String envelope = EnvelopeFormat.toJson(record);
        bus.publish(BusAddresses.EVENTS, envelope);
        bus.publish(BusAddresses.eventAddress(record.type()), envelope);
    }

    @Deactivate
    void deactivate() throws Exception {
        subscription.close();
    }
}
