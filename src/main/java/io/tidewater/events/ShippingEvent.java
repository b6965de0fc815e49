package io.tidewater.events;

import java.time.Instant;

/** A shipment.dispatched or shipment.delivered event from events.shipping. */
public record ShippingEvent(String eventId, String type, long orderId, String carrier, Instant occurredAt) {

    public boolean dispatched() {
        return type.equals("shipment.dispatched");
    }
}
