package io.tidewater.warehouse;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.tidewater.testing.Envelopes;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.Topics;
import org.junit.jupiter.api.Test;

/** The load routes' semantics, each scenario asserted on warehouse rows. */
class LoadScenariosRouteTest extends LoadRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private static void send(String topic, String key, String value) throws Exception {
        Topics.send(topic, List.<String[]>of(new String[] {key, value}), null, null);
    }

    @Test
    void segmentChangeOpensASecondVersionWithExactlyOneCurrent() throws Exception {
        send(customers, "1", Envelopes.customer("c", 1, "Ada", "smb", "emea", 100));
        send(customers, "1", Envelopes.customer("u", 1, "Ada L.", "smb", "emea", 110));
        send(customers, "1", Envelopes.customer("u", 1, "Ada L.", "enterprise", "emea", 120));
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM dim_customer WHERE customer_id = 1") == 2);
        List<Map<String, Object>> rows = warehouse.rows(
                "SELECT segment, name, is_current, valid_to IS NOT NULL AS closed FROM dim_customer WHERE customer_id = 1 ORDER BY customer_key");
        assertEquals("smb", rows.get(0).get("segment"));
        assertEquals("Ada L.", rows.get(0).get("name"));
        assertEquals(false, rows.get(0).get("is_current"));
        assertEquals(true, rows.get(0).get("closed"));
        assertEquals("enterprise", rows.get(1).get("segment"));
        assertEquals(true, rows.get(1).get("is_current"));
        assertEquals(1L, warehouse.count("SELECT count(*) FROM dim_customer WHERE customer_id = 1 AND is_current"));
    }

    @Test
    void callBeforeItsCustomerCreatesAnInferredMemberThatIsFilledInLater() throws Exception {
        send(calls, "7", Envelopes.call("11111111-0000-0000-0000-000000000007", 7, "2026-11-24T10:15:00Z", 120, "resolved"));
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_call") == 1);
        assertEquals(1L, warehouse.count("SELECT count(*) FROM dim_customer WHERE customer_id = 7 AND is_inferred AND is_current"));
        assertEquals("unknown", warehouse.rows("SELECT segment FROM agg_calls_hourly").get(0).get("segment"));

        send(customers, "7", Envelopes.customer("c", 7, "Grace", "enterprise", "amer", 500));
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM dim_customer WHERE customer_id = 7 AND NOT is_inferred") == 1);
        assertEquals(1L, warehouse.count("SELECT count(*) FROM dim_customer WHERE customer_id = 7"));
        Map<String, Object> dim = warehouse.rows("SELECT customer_key, name, segment FROM dim_customer WHERE customer_id = 7").get(0);
        assertEquals("Grace", dim.get("name"));
        assertEquals(dim.get("customer_key"), warehouse.rows("SELECT customer_key FROM fact_call").get(0).get("customer_key"));
        // The hour's aggregate now carries the real segment and region.
        Map<String, Object> agg = warehouse.rows("SELECT region, segment, calls, total_duration_sec FROM agg_calls_hourly").get(0);
        assertEquals("amer", agg.get("region"));
        assertEquals("enterprise", agg.get("segment"));
        assertEquals(1L, ((Number) agg.get("calls")).longValue());
        assertEquals(120L, ((Number) agg.get("total_duration_sec")).longValue());
    }

    @Test
    void orderChangesArrivingOutOfLsnOrderEndWithTheNewestValues() throws Exception {
        send(orders, "500", Envelopes.order("c", 500, 3, "created", 1000, 1000));
        send(orders, "500", Envelopes.order("u", 500, 3, "shipped", 1500, 3000));
        await().atMost(WAIT).until(() -> "shipped".equals(status(500)));
        // An older change, delivered late (e.g. by a replay or a re-snapshot), must not win.
        send(orders, "500", Envelopes.order("u", 500, 3, "paid", 1200, 2000));
        send(orders, "501", Envelopes.order("c", 501, 3, "created", 10, 2100));
        await().atMost(WAIT).until(() -> status(501) != null);
        Map<String, Object> row = warehouse.rows("SELECT status, total_cents, source_lsn FROM fact_order WHERE order_id = 500").get(0);
        assertEquals("shipped", row.get("status"));
        assertEquals(1500L, ((Number) row.get("total_cents")).longValue());
        assertEquals(3000L, ((Number) row.get("source_lsn")).longValue());
    }

    @Test
    void aDeleteIsAppliedAsASoftDelete() throws Exception {
        send(orders, "600", Envelopes.order("c", 600, 4, "created", 1000, 100));
        await().atMost(WAIT).until(() -> status(600) != null);
        send(orders, "600", Envelopes.order("d", 600, 4, "created", 1000, 200));
        send(orders, "600", null);
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_order WHERE order_id = 600 AND deleted") == 1);
        assertEquals(200L, ((Number) warehouse.rows("SELECT source_lsn FROM fact_order WHERE order_id = 600").get(0).get("source_lsn")).longValue());
    }

    @Test
    void aShippingEventBeforeItsOrderIsAppliedOnceTheOrderArrives() throws Exception {
        send(shipping, "700", Envelopes.shipment("22222222-0000-0000-0000-000000000700", "shipment.dispatched", 700, "dhl",
                "2026-11-24T12:00:00Z"));
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_order WHERE order_id = 700") == 1);
        send(orders, "700", Envelopes.order("c", 700, 5, "paid", 4200, 900));
        await().atMost(WAIT).until(() -> "paid".equals(status(700)));
        Map<String, Object> row = warehouse.rows("SELECT shipped_at, carrier, total_cents, customer_key FROM fact_order WHERE order_id = 700").get(0);
        assertNotNull(row.get("shipped_at"));
        assertEquals("dhl", row.get("carrier"));
        assertEquals(4200L, ((Number) row.get("total_cents")).longValue());
        assertNotNull(row.get("customer_key"));
        send(shipping, "700", Envelopes.shipment("22222222-0000-0000-0000-000000000701", "shipment.delivered", 700, "dhl",
                "2026-11-25T09:00:00Z"));
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_order WHERE order_id = 700 AND delivered_at IS NOT NULL") == 1);
        assertEquals("paid", status(700));
    }

    private String status(long orderId) {
        List<Map<String, Object>> rows = warehouse.rows("SELECT status FROM fact_order WHERE order_id = ?", orderId);
        return rows.isEmpty() ? null : (String) rows.get(0).get("status");
    }
}
