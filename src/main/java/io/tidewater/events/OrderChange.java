package io.tidewater.events;

import java.time.Instant;

/** A change to sales.public.orders, from its Debezium envelope; a delete carries only the order id. */
public record OrderChange(long orderId, Long customerId, String status, Long totalCents, String currency,
                          Instant createdAt, Instant updatedAt, long lsn, boolean deleted) {

    static OrderChange from(ChangeEnvelope env) {
        EventJson r = env.row();
        if (env.deleted()) {
            return new OrderChange(r.longValue("id"), null, null, null, null, null, null, env.lsn(), true);
        }
        return new OrderChange(r.longValue("id"), r.longValue("customer_id"), r.text("status"), r.longValue("total_cents"),
                r.text("currency"), r.timestamp("created_at"), r.timestamp("updated_at"), env.lsn(), false);
    }
}
