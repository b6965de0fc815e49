package io.tidewater.events;

import java.time.Instant;

/** A change to crm.public.customers, from its Debezium envelope; a delete carries only the customer id. */
public record CustomerChange(long customerId, String name, String email, String segment, String region,
                             Instant changedAt, long lsn, boolean deleted) {

    static CustomerChange from(ChangeEnvelope env) {
        EventJson r = env.row();
        if (env.deleted()) {
            return new CustomerChange(r.longValue("id"), null, null, null, null, env.committedAt(), env.lsn(), true);
        }
        return new CustomerChange(r.longValue("id"), r.text("name"), r.text("email"), r.text("segment"), r.text("region"),
                env.committedAt(), env.lsn(), false);
    }
}
