package io.tidewater.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The EDW that loading a workload must produce, computed in Java from the produced events alone, never from the
 * warehouse or the implementation's SQL: every call's values, the calls and durations per hour, each customer's current
 * version and number of versions, inferred members, each order's final values and deleted flag, and shipments.
 * Which customer version a call was attributed to depends on timing, so there the invariants are checked instead: the
 * key belongs to the call's customer, and agg_calls_hourly equals its recomputation (done here, in Java, from the rows).
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
        query(c, "SELECT event_id::text, customer_id, agent_id, started_at, duration_sec, outcome FROM fact_call", rs ->
                calls.put(rs.getString(1), new Workload.Call(rs.getLong(2), rs.getString(3), rs.getTimestamp(4).toInstant(),
                        rs.getInt(5), rs.getString(6))));
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

        // agg_calls_hourly: per hour (summed over region and segment), the produced calls and their durations ...
        Map<Instant, List<Long>> perHour = new HashMap<>();
        for (Workload.Call call : w.calls.values()) {
            perHour.merge(call.startedAt().truncatedTo(ChronoUnit.HOURS), List.of(1L, (long) call.durationSec()), ExpectedWarehouse::add);
        }
        Map<Instant, List<Long>> aggPerHour = new HashMap<>();
        Map<List<Object>, List<Long>> agg = new HashMap<>();
        query(c, "SELECT hour, region, segment, calls, total_duration_sec FROM agg_calls_hourly", rs -> {
            Instant hour = rs.getTimestamp(1).toInstant();
            aggPerHour.merge(hour, List.of(rs.getLong(4), rs.getLong(5)), ExpectedWarehouse::add);
            agg.put(List.of(hour, rs.getString(2), rs.getString(3)), List.of(rs.getLong(4), rs.getLong(5)));
        });
        assertEquals(perHour, aggPerHour, "calls and durations per hour in agg_calls_hourly");
        // ... and per region and segment, what the calls' attributed versions give, recomputed here from the rows.
        Map<Long, String[]> attributes = new HashMap<>();
        query(c, "SELECT customer_key, region, segment FROM dim_customer", rs ->
                attributes.put(rs.getLong(1), new String[] {rs.getString(2), rs.getString(3)}));
        Map<List<Object>, List<Long>> recomputed = new HashMap<>();
        query(c, "SELECT customer_key, started_at, duration_sec FROM fact_call", rs -> {
            String[] a = attributes.get(rs.getLong(1));
            String region = a == null || a[0] == null ? "unknown" : a[0];
            String segment = a == null || a[1] == null ? "unknown" : a[1];
            recomputed.merge(List.of(rs.getTimestamp(2).toInstant().truncatedTo(ChronoUnit.HOURS), region, segment),
                    List.of(1L, rs.getLong(3)), ExpectedWarehouse::add);
        });
        assertEquals(recomputed, agg, "agg_calls_hourly against its recomputation from fact_call and dim_customer");
    }

    private static List<Long> add(List<Long> a, List<Long> b) {
        return List.of(a.get(0) + b.get(0), a.get(1) + b.get(1));
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
