package io.tidewater.events;

import java.time.Instant;

/** A change to sales.public.orders, from its Debezium envelope. */
public record OrderChange(long orderId, long customerId, String status, long totalCents, String currency,
                          Instant createdAt, Instant updatedAt, long lsn, boolean deleted) {

    static OrderChange from(ChangeEnvelope env) {
        EventJson r = env.row();
        return new OrderChange(r.longValue("id"), r.longValue("customer_id"), r.text("status"), r.longValue("total_cents"),
                r.text("currency"), r.timestamp("created_at"), r.timestamp("updated_at"), env.lsn(), env.deleted());
    }
}
