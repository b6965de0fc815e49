package io.tidewater.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The EDW that loading a workload must produce, computed from the produced events alone (never from the warehouse):
 * facts with their values, dimension versions and current rows, inferred members, order states, shipments, and the
 * aggregate equal to its recomputation.
 */
public final class ExpectedWarehouse {

    private ExpectedWarehouse() {
    }

    /** Asserts that the warehouse schema holds exactly what loading the workload's events must produce. */
    public static void verify(Connection c, String schema, Workload w) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT set_config('search_path', ?, false)")) {
            ps.setString(1, schema);
            ps.execute();
        }
        // fact_call: every event once, with its values, keyed to a dimension row of the same customer.
        Map<String, Workload.Call> calls = new HashMap<>();
        query(c, "SELECT event_id::text, customer_id, duration_sec FROM fact_call", rs ->
                calls.put(rs.getString(1), new Workload.Call(rs.getLong(2), rs.getInt(3))));
        assertEquals(w.calls, calls, "fact_call");
        assertEquals(0L, scalar(c, "SELECT count(*) FROM fact_call f JOIN dim_customer d ON d.customer_key = f.customer_key "
                + "WHERE d.customer_id <> f.customer_id"), "fact_call keyed to another customer");

        // dim_customer: one current row per customer; versions = 1 + segment/region changes; inferred for unknown ids.
        Set<Long> referenced = new HashSet<>();
        w.calls.values().forEach(call -> referenced.add(call.customerId()));
        w.orderRecords.stream().filter(r -> r[1] != null).forEach(r -> referenced.add(Long.parseLong(
                r[1].replaceAll(".*\"customer_id\":(\\d+).*", "$1"))));
        Map<Long, Integer> versions = new HashMap<>();
        Map<Long, Workload.Customer> current = new HashMap<>();
        Set<Long> inferred = new HashSet<>();
        query(c, "SELECT customer_id, count(*), count(*) FILTER (WHERE is_current) FROM dim_customer GROUP BY 1", rs -> {
            versions.put(rs.getLong(1), rs.getInt(2));
            assertEquals(1, rs.getInt(3), "current rows of customer " + rs.getLong(1));
        });
        query(c, "SELECT customer_id, name, segment, region, is_inferred FROM dim_customer WHERE is_current", rs -> {
            if (rs.getBoolean(5)) {
                inferred.add(rs.getLong(1));
            } else {
                current.put(rs.getLong(1), new Workload.Customer(rs.getString(2), rs.getString(3), rs.getString(4)));
            }
        });
        assertEquals(w.customers, current, "current dim_customer rows");
        Map<Long, Integer> expectedVersions = new HashMap<>(w.versions);
        Set<Long> expectedInferred = new HashSet<>(referenced);
        expectedInferred.removeAll(w.customers.keySet());
        expectedInferred.forEach(id -> expectedVersions.put(id, 1));
        assertEquals(expectedInferred, inferred, "inferred members");
        assertEquals(expectedVersions, versions, "dim_customer versions");

        // fact_order: newest change per order (LSN), deletes kept as deleted, shipments applied in any order.
        Map<Long, Workload.Order> orders = new HashMap<>();
        Map<Long, Instant> shipped = new HashMap<>();
        Map<Long, Instant> delivered = new HashMap<>();
        Map<Long, String> carriers = new HashMap<>();
        query(c, "SELECT o.order_id, d.customer_id, o.status, o.total_cents, o.deleted, o.shipped_at, o.delivered_at, o.carrier "
                + "FROM fact_order o LEFT JOIN dim_customer d ON d.customer_key = o.customer_key", rs -> {
            long id = rs.getLong(1);
            if (rs.getString(3) != null) {
                orders.put(id, new Workload.Order(rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getBoolean(5)));
            }
            put(shipped, id, rs.getTimestamp(6));
            put(delivered, id, rs.getTimestamp(7));
            if (rs.getString(8) != null) {
                carriers.put(id, rs.getString(8));
            }
        });
        assertEquals(w.orders, orders, "fact_order");
        assertEquals(w.shippedAt, shipped, "shipped_at");
        assertEquals(w.deliveredAt, delivered, "delivered_at");
        assertEquals(w.carrier, carriers, "carrier");
        Set<Long> orderRows = new HashSet<>(w.orders.keySet());
        orderRows.addAll(w.carrier.keySet());
        assertEquals(orderRows.size(), scalar(c, "SELECT count(*) FROM fact_order"), "fact_order rows");

        // agg_calls_hourly equals its recomputation from fact_call.
        String recompute = "SELECT date_trunc('hour', f.started_at, 'UTC') AS hour, coalesce(d.region, 'unknown') AS region, "
                + "coalesce(d.segment, 'unknown') AS segment, count(*) AS calls, sum(f.duration_sec) AS total_duration_sec "
                + "FROM fact_call f LEFT JOIN dim_customer d ON d.customer_key = f.customer_key GROUP BY 1, 2, 3";
        String agg = "SELECT hour, region, segment, calls, total_duration_sec FROM agg_calls_hourly";
        assertEquals(0L, scalar(c, "SELECT count(*) FROM ((" + agg + ") EXCEPT (" + recompute + ")) x"), "agg rows not in recomputation");
        assertEquals(0L, scalar(c, "SELECT count(*) FROM ((" + recompute + ") EXCEPT (" + agg + ")) x"), "recomputed rows not in agg");
        assertEquals((long) w.calls.size(), scalar(c, "SELECT sum(calls) FROM agg_calls_hourly"), "calls in agg");
    }

    private static void put(Map<Long, Instant> m, long id, Timestamp t) {
        if (t != null) {
            m.put(id, t.toInstant());
        }
    }

    interface RowConsumer {
        void accept(ResultSet rs) throws Exception;
    }

    private static void query(Connection c, String sql, RowConsumer each) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                each.accept(rs);
            }
        }
    }

    public static long scalar(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

}
