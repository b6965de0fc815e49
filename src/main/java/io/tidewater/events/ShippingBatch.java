package io.tidewater.events;

import java.time.Instant;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.tidewater.ops.PipelineStats;
import org.apache.camel.Message;

/**
 * A batch of shipping events as one row per order (the earliest dispatch and delivery), so that they fill in
 * fact_order whether the order row is already there or arrives later.
 */
public class ShippingBatch extends LoadBatch<ShippingEvent> {

    static final Set<String> TYPES = Set.of("shipment.dispatched", "shipment.delivered");
    private final int maxBytes;

    public ShippingBatch(int maxBytes, String group, PipelineStats stats) {
        super(group, stats);
        this.maxBytes = maxBytes;
    }

    @Override
    protected ShippingEvent parse(String key, String value) {
        EventJson json = EventJson.parse(value, maxBytes);
        return new ShippingEvent(json.uuid("eventId").toString(), json.oneOf("type", TYPES), json.longValue("orderId"),
                json.text("carrier"), json.instant("occurredAt"));
    }

    @Override
    protected int toColumns(List<ShippingEvent> rows, Message out) {
        Map<Long, Instant[]> times = new TreeMap<>();
        Map<Long, String> carriers = new TreeMap<>();
        for (ShippingEvent e : rows) {
            Instant[] t = times.computeIfAbsent(e.orderId(), k -> new Instant[2]);
            int slot = e.dispatched() ? 0 : 1;
            if (t[slot] == null || e.occurredAt().isBefore(t[slot])) {
                t[slot] = e.occurredAt();
            }
            carriers.putIfAbsent(e.orderId(), e.carrier());
        }
        int n = times.size();
        Long[] orderIds = new Long[n];
        String[] shipped = new String[n];
        String[] delivered = new String[n];
        String[] carrier = new String[n];
        int i = 0;
        for (Map.Entry<Long, Instant[]> e : times.entrySet()) {
            orderIds[i] = e.getKey();
            shipped[i] = e.getValue()[0] == null ? null : e.getValue()[0].toString();
            delivered[i] = e.getValue()[1] == null ? null : e.getValue()[1].toString();
            carrier[i] = carriers.get(e.getKey());
            i++;
        }
        out.setHeader("orderIds", orderIds);
        out.setHeader("shippedAts", shipped);
        out.setHeader("deliveredAts", delivered);
        out.setHeader("carriers", carrier);
        return n;
    }
}
