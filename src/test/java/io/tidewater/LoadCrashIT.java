package io.tidewater;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;

import io.tidewater.testing.AppProcess;
import io.tidewater.testing.Workload;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once into the EDW under crashes: a 200k-event load, with the application killed (kill -9) five times and
 * restarted. The final warehouse must equal the state computed independently from the produced events.
 */
class LoadCrashIT {

    private static final int KILLS = 5;

    @TempDir
    Path dir;

    @Test
    void fiveKillsDuringA200kLoadLeaveExactlyTheExpectedWarehouse() throws Exception {
        Workload w = new Workload(42, 5_000, 20_000, 10_000, 40_000, 130_000, 10_000);
        assertEquals(200_000, w.size(), "workload size");
        try (AppProcess app = new AppProcess(dir.resolve("app"))) {
            app.setProperty("tidewater.demo.enabled", "false").start();
            awaitHealthy(app);
            long t0 = System.nanoTime();
            produce(app, "cdc.crm.public.customers", w.customerRecords);
            produce(app, "cdc.sales.public.orders", w.orderRecords);
            produce(app, "events.callcenter.calls", w.callRecords);
            produce(app, "events.shipping", w.shippingRecords);
            long downNanos = 0;
            for (int kill = 1; kill <= KILLS; kill++) {
                long from = Math.max(0, loaded(app));
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50)).until(() -> loaded(app) >= from + 12_000);
                app.kill();
                long down = System.nanoTime();
                app.start();
                awaitHealthy(app);
                downNanos += System.nanoTime() - down;
                System.out.printf("kill %d at %d loaded records; restarted%n", kill, from + 12_000);
            }
            // Steady state: from the first progress after the last restart (the group has rejoined) to the end.
            long resumedAt = loaded(app);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50)).until(() -> loaded(app) > resumedAt);
            long steadyFrom = loaded(app);
            long steadyT0 = System.nanoTime();
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(50)).until(() -> loaded(app) == w.size());
            double steady = (System.nanoTime() - steadyT0) / 1e9;
            double seconds = (System.nanoTime() - t0 - downNanos) / 1e9;
            System.out.printf("LOAD: %d events in %.1f s of uptime (%.0f events/s overall, %d kills, %.1f s restarting); "
                    + "steady state %d events in %.2f s = %.0f events/s%n", w.size(), seconds, w.size() / seconds, KILLS,
                    downNanos / 1e9, w.size() - steadyFrom, steady, (w.size() - steadyFrom) / steady);

            try (Connection c = DriverManager.getConnection(app.jdbcUrl("warehouse"), "postgres", "")) {
                verify(c, w);
            }
        }
    }

    private static void verify(Connection c, Workload w) throws Exception {
        // fact_call: every event once, with its values, keyed to a dimension row of the same customer.
        Map<String, Workload.Call> calls = new HashMap<>();
        query(c, "SELECT event_id::text, customer_id, duration_sec FROM edw.fact_call", rs ->
                calls.put(rs.getString(1), new Workload.Call(rs.getLong(2), rs.getInt(3))));
        assertEquals(w.calls, calls, "fact_call");
        assertEquals(0L, scalar(c, "SELECT count(*) FROM edw.fact_call f JOIN edw.dim_customer d ON d.customer_key = f.customer_key "
                + "WHERE d.customer_id <> f.customer_id"), "fact_call keyed to another customer");

        // dim_customer: one current row per customer; versions = 1 + segment/region changes; inferred for unknown ids.
        Set<Long> referenced = new HashSet<>();
        w.calls.values().forEach(call -> referenced.add(call.customerId()));
        w.orderRecords.stream().filter(r -> r[1] != null).forEach(r -> referenced.add(Long.parseLong(
                r[1].replaceAll(".*\"customer_id\":(\\d+).*", "$1"))));
        Map<Long, Integer> versions = new HashMap<>();
        Map<Long, Workload.Customer> current = new HashMap<>();
        Set<Long> inferred = new HashSet<>();
        query(c, "SELECT customer_id, count(*), count(*) FILTER (WHERE is_current) FROM edw.dim_customer GROUP BY 1", rs -> {
            versions.put(rs.getLong(1), rs.getInt(2));
            assertEquals(1, rs.getInt(3), "current rows of customer " + rs.getLong(1));
        });
        query(c, "SELECT customer_id, name, segment, region, is_inferred FROM edw.dim_customer WHERE is_current", rs -> {
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
                + "FROM edw.fact_order o LEFT JOIN edw.dim_customer d ON d.customer_key = o.customer_key", rs -> {
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
        assertEquals(orderRows.size(), scalar(c, "SELECT count(*) FROM edw.fact_order"), "fact_order rows");

        // agg_calls_hourly equals its recomputation from fact_call.
        String recompute = "SELECT date_trunc('hour', f.started_at, 'UTC') AS hour, coalesce(d.region, 'unknown') AS region, "
                + "coalesce(d.segment, 'unknown') AS segment, count(*) AS calls, sum(f.duration_sec) AS total_duration_sec "
                + "FROM edw.fact_call f LEFT JOIN edw.dim_customer d ON d.customer_key = f.customer_key GROUP BY 1, 2, 3";
        String agg = "SELECT hour, region, segment, calls, total_duration_sec FROM edw.agg_calls_hourly";
        assertEquals(0L, scalar(c, "SELECT count(*) FROM ((" + agg + ") EXCEPT (" + recompute + ")) x"), "agg rows not in recomputation");
        assertEquals(0L, scalar(c, "SELECT count(*) FROM ((" + recompute + ") EXCEPT (" + agg + ")) x"), "recomputed rows not in agg");
        assertEquals((long) w.calls.size(), scalar(c, "SELECT sum(calls) FROM edw.agg_calls_hourly"), "calls in agg");
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

    private static long scalar(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Records loaded so far: the sum of the positions stored in etl_offsets (topics start at offset 0). */
    private static long loaded(AppProcess app) {
        try (Connection c = DriverManager.getConnection(app.jdbcUrl("warehouse"), "postgres", "")) {
            return scalar(c, "SELECT coalesce(sum(next_offset), 0) FROM edw.etl_offsets");
        } catch (Exception e) {
            return -1;
        }
    }

    private static void awaitHealthy(AppProcess app) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> app.get("/observe/health").contains("\"UP\""));
    }

    private static void produce(AppProcess app, String topic, List<String[]> records) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + app.kafkaPort);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (String[] r : records) {
                producer.send(new ProducerRecord<>(topic, r[0], r[1]), (m, e) -> {
                    if (e != null) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            producer.flush();
        }
        Objects.requireNonNull(topic);
    }
}
