package io.tidewater.enrich;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import javax.management.ObjectName;

import io.tidewater.LoadBeans;
import io.tidewater.testing.Envelopes;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.Topics;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, point 5: after a customer is deleted, calls that arrive for it, before and after the enricher's cache has
 * forgotten it, are attributed to its last version, and the customer is never brought back as an inferred member.
 */
class CacheCoherenceRouteTest extends LoadRouteTestSupport {

    @Test
    void aDeletedCustomerIsNeverResurrected() throws Exception {
        long id = 424_242;
        Topics.send(customers, List.<String[]>of(new String[] {"{\"id\":" + id + "}", Envelopes.customer("c", id, "Ada", "smb", "emea", 100)}), null, null);
        Topics.send(calls, List.<String[]>of(new String[] {"a", Envelopes.call(UUID.randomUUID().toString(), id, "2026-11-24T10:00:00Z", 30, "resolved")}), null, null);
        await().atMost(Duration.ofSeconds(60)).until(() -> warehouse.count("SELECT count(*) FROM fact_call WHERE customer_id = " + id) == 1);

        // The delete, with only the key in 'before' (REPLICA IDENTITY DEFAULT), then its tombstone.
        String delete = Envelopes.customer("d", id, "Ada", "smb", "emea", 200).replaceFirst("\"before\":\\{[^}]*\\}", "\"before\":{\"id\":" + id + "}");
        Topics.send(customers, List.of(new String[] {"{\"id\":" + id + "}", delete}, new String[] {"{\"id\":" + id + "}", null}), null, null);
        await().atMost(Duration.ofSeconds(60)).until(() ->
                warehouse.count("SELECT count(*) FROM dim_customer WHERE customer_id = " + id + " AND NOT is_current") == 1);
        long lastVersion = warehouse.count("SELECT customer_key FROM dim_customer WHERE customer_id = " + id);

        Topics.send(calls, List.<String[]>of(new String[] {"a", Envelopes.call(UUID.randomUUID().toString(), id, "2026-11-24T11:00:00Z", 30, "resolved")}), null, null);
        await().atMost(Duration.ofSeconds(60)).until(() -> warehouse.count("SELECT count(*) FROM fact_call WHERE customer_id = " + id) == 2);
        // The cache forgets everything (as when its entries expire); the next call reads the warehouse again.
        ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName(LoadBeans.CACHE_MBEAN), "invalidateAll", null, null);
        Topics.send(calls, List.<String[]>of(new String[] {"a", Envelopes.call(UUID.randomUUID().toString(), id, "2026-11-24T12:00:00Z", 30, "resolved")}), null, null);
        await().atMost(Duration.ofSeconds(60)).until(() -> warehouse.count("SELECT count(*) FROM fact_call WHERE customer_id = " + id) == 3);

        assertEquals(1, warehouse.count("SELECT count(*) FROM dim_customer WHERE customer_id = " + id), "one version, closed; no inferred member");
        assertEquals(3, warehouse.count("SELECT count(*) FROM fact_call WHERE customer_id = " + id + " AND customer_key = " + lastVersion));
    }
}
