package io.tidewater.enrich;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.tidewater.flow.Flows;
import io.tidewater.testing.Envelopes;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.Topics;
import org.junit.jupiter.api.Test;

/**
 * A started instance fills its lookup caches with the dimensions' current members, so its first batches resolve their
 * lookups from memory: a call for a member cached at start takes the key the cache was filled with.
 */
class CacheWarmRouteTest extends LoadRouteTestSupport {

    @Test
    void aCallTakesTheKeyTheCacheWasFilledWithAtStart() throws Exception {
        long id = 515_151;
        long key = warehouse.count("INSERT INTO dim_customer (customer_id, name, segment, region, valid_from, is_current, is_inferred,"
                + " source_lsn) VALUES (" + id + ", 'Grace', 'smb', 'emea', now(), TRUE, FALSE, 10) RETURNING customer_key");
        Flows flows = context.getRegistry().lookupByNameAndType("flows", Flows.class);
        flows.warmCaches(warehouse.dataSource());

        // The warehouse moves on behind the cache (as another instance's change does until the entry expires): the call
        // still takes the key the cache holds, so it was resolved from memory and not by asking the warehouse.
        warehouse.execute("UPDATE dim_customer SET customer_key = customer_key + 1000000 WHERE customer_id = " + id);
        Topics.send(calls, List.<String[]>of(new String[] {"a", Envelopes.call(UUID.randomUUID().toString(), id, "2026-11-24T10:00:00Z", 30,
                "resolved")}), null, null);
        await().atMost(Duration.ofSeconds(60)).until(() -> warehouse.count("SELECT count(*) FROM fact_call WHERE customer_id = " + id) == 1);
        assertEquals(key, warehouse.count("SELECT customer_key FROM fact_call WHERE customer_id = " + id));
    }
}
