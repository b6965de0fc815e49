package io.tidewater.capture;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidewater.testing.CaptureFixture;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Topics;
import org.apache.camel.CamelContext;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The real capture routes (Debezium, pgoutput) against the shared PostgreSQL and Kafka, with this test's own slots and topics. */
@ExtendWith(SharedInfrastructure.class)
class CaptureRouteTest extends CamelTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();

    // Set in configureContext, which CamelTestSupport calls from its constructor: no field initializers here.
    private String prefix;
    private String slot;
    private ChangePublisher publisher;
    private long idBase;

    @Override
    public void configureContext(CamelContextConfiguration config) {
        super.configureContext(config);
        CaptureFixture.migrateOltp();
        prefix = TestNames.topic("cdc");
        slot = TestNames.schema("slot");
        idBase = System.nanoTime() % 1_000_000_000L * 1000;
        Properties p = new Properties();
        p.putAll(CaptureFixture.settings(prefix, slot));
        p.put("tidewater.capture.crm.tables", "public.customers");
        p.put("tidewater.capture.sales.tables", "public.orders");
        config.withUseOverridePropertiesWithPropertiesComponent(p);
    }

    @Override
    protected void bindToRegistry(Registry registry) {
        publisher = new ChangePublisher(SharedInfrastructure.get().bootstrapServers());
        registry.bind("changePublisher", publisher);
    }

    /** As the application wires capture: a table added to an include list is backfilled (a no-op here, nothing is added). */
    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext camel = super.createCamelContext();
        camel.addLifecycleStrategy(new AddedTableBackfill());
        return camel;
    }

    @Override
    protected RoutesBuilder[] createRouteBuilders() throws Exception {
        List<RoutesBuilder> builders = new java.util.ArrayList<>(PluginHelper.getRoutesLoader(context).findRoutesBuilders(
                ResourceHelper.resolveResource(context, "file:routes/capture-errors.camel.yaml"),
                ResourceHelper.resolveResource(context, "file:routes/capture.camel.yaml")));
        builders.add(new CaptureRoutes(List.of("crm", "sales")));
        return builders.toArray(new RoutesBuilder[0]);
    }

    @AfterEach
    void dropSlots() throws Exception {
        context.stop();
        publisher.close();
        CaptureFixture.dropSlots(slot);
    }

    private static Connection connect(String db) throws Exception {
        return DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl(db), "postgres", "");
    }

    private static void exec(String db, String sql, Object... params) throws Exception {
        try (Connection c = connect(db); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.execute();
        }
    }

    private List<ConsumerRecord<String, String>> records(String topic, int expected, java.util.function.Predicate<ConsumerRecord<String, String>> mine) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            out.clear();
            Topics.readAll(topic, Integer.MAX_VALUE, Duration.ofSeconds(2)).stream().filter(mine).forEach(out::add);
            return out.size() >= expected;
        });
        return out;
    }

    private boolean streaming(String db) throws Exception {
        try (Connection c = connect(db); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ? AND active")) {
            ps.setString(1, slot + "_" + db);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 1;
            }
        }
    }

    @Test
    void insertsUpdatesAndDeletesArriveAsDebeziumEnvelopesWithTombstones() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> streaming("crm") && streaming("sales"));
        long a = idBase + 1;
        long b = idBase + 2;
        exec("crm", "INSERT INTO customers (id, name, email, segment, region) VALUES (?, 'Ada', 'ada@example.com', 'smb', 'emea')", a);
        exec("crm", "INSERT INTO customers (id, name, email, segment, region) VALUES (?, 'Bob', 'bob@example.com', 'consumer', 'amer')", b);
        exec("crm", "UPDATE customers SET segment = 'enterprise' WHERE id = ?", a);
        exec("crm", "DELETE FROM customers WHERE id = ?", b);
        exec("sales", "INSERT INTO orders (id, customer_id, status, total_cents, currency) VALUES (?, ?, 'created', 999, 'EUR')", a, a);
        exec("sales", "UPDATE orders SET status = 'paid' WHERE id = ?", a);
        exec("sales", "DELETE FROM orders WHERE id = ?", a);

        List<ConsumerRecord<String, String>> customers = records(prefix + ".crm.public.customers", 5,
                r -> r.key() != null && (r.key().contains(String.valueOf(a)) || r.key().contains(String.valueOf(b))));
        Map<String, List<ConsumerRecord<String, String>>> byKey = new HashMap<>();
        customers.forEach(r -> byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r));
        List<ConsumerRecord<String, String>> ada = byKey.get("{\"id\":" + a + "}");
        assertEquals(2, ada.size());
        JsonNode insert = JSON.readTree(ada.get(0).value());
        JsonNode update = JSON.readTree(ada.get(1).value());
        assertEquals("c", insert.get("op").asText());
        assertTrue(insert.get("before").isNull());
        assertEquals("Ada", insert.get("after").get("name").asText());
        assertEquals("u", update.get("op").asText());
        assertTrue(update.get("before").isNull(), "REPLICA IDENTITY DEFAULT (as real sources have): no old row for an update");
        assertEquals("enterprise", update.get("after").get("segment").asText());
        assertTrue(update.get("source").get("lsn").asLong() > insert.get("source").get("lsn").asLong());
        assertEquals("crm", update.get("source").get("db").asText());
        assertEquals("customers", update.get("source").get("table").asText());
        assertTrue(update.get("source").has("txId"));
        assertTrue(update.get("source").has("ts_ms"));
        assertTrue(update.has("ts_ms"));
        List<ConsumerRecord<String, String>> bob = byKey.get("{\"id\":" + b + "}");
        assertEquals(3, bob.size());
        JsonNode delete = JSON.readTree(bob.get(1).value());
        assertEquals("d", delete.get("op").asText());
        assertEquals(b, delete.get("before").get("id").asLong(), "REPLICA IDENTITY DEFAULT: a delete's old row has the key");
        assertTrue(delete.get("after").isNull());
        assertNull(bob.get(2).value(), "a tombstone follows the delete");
        assertEquals(bob.get(0).partition(), bob.get(2).partition(), "one key, one partition");

        List<ConsumerRecord<String, String>> orders = records(prefix + ".sales.public.orders", 4,
                r -> ("{\"id\":" + a + "}").equals(r.key()));
        assertEquals(List.of("c", "u", "d"), orders.subList(0, 3).stream().map(r -> op(r.value())).toList());
        assertTrue(JSON.readTree(orders.get(1).value()).get("before").isNull());
        assertNull(orders.get(3).value());

        // Debezium's streaming metrics are in JMX, e.g. how far behind the source the capture is.
        javax.management.ObjectName metrics = new javax.management.ObjectName(
                "debezium.postgres:type=connector-metrics,context=streaming,server=" + prefix + ".crm");
        Object behind = java.lang.management.ManagementFactory.getPlatformMBeanServer().getAttribute(metrics, "MilliSecondsBehindSource");
        assertTrue(((Number) behind).longValue() >= 0, "MilliSecondsBehindSource " + behind);
        assertTrue((Boolean) java.lang.management.ManagementFactory.getPlatformMBeanServer().getAttribute(metrics, "Connected"));
    }

    @Test
    void aStoppedAndRestartedCaptureLosesNothingAndDoesNotSnapshotAgain() throws Exception {
        long id0 = idBase;
        for (int i = 0; i < 20; i++) {
            exec("crm", "INSERT INTO customers (id, name, email, segment, region) VALUES (?, 'v0', 'x@example.com', 'smb', 'emea')", id0 + i);
        }
        String topic = prefix + ".crm.public.customers";
        java.util.function.Predicate<ConsumerRecord<String, String>> mine = r -> r.key() != null && r.value() != null
                && idOf(r.key()) >= id0 && idOf(r.key()) < id0 + 20;
        records(topic, 20, mine);
        long snapshotReads = Topics.readAll(topic, Integer.MAX_VALUE, Duration.ofSeconds(2)).stream()
                .filter(r -> r.value() != null && op(r.value()).equals("r")).count();

        // Writes go on while the capture route is stopped and started again.
        for (int v = 1; v <= 30; v++) {
            exec("crm", "UPDATE customers SET name = ? WHERE id >= ? AND id < ?", "v" + v, id0, id0 + 20);
            if (v == 10) {
                context.getRouteController().stopRoute("capture-crm");
            }
            if (v == 20) {
                context.getRouteController().startRoute("capture-crm");
            }
        }
        List<ConsumerRecord<String, String>> all = records(topic, 20 + 20 * 30, mine);
        int duplicates = 0;
        for (long id = id0; id < id0 + 20; id++) {
            String key = "{\"id\":" + id + "}";
            List<Integer> versions = all.stream().filter(r -> r.key().equals(key))
                    .map(r -> Integer.parseInt(name(r.value()).substring(1))).toList();
            int expected = 0;
            for (int v : versions) {
                if (v < expected) {
                    duplicates++;     // a redelivered change (at-least-once), never a gap
                    continue;
                }
                assertEquals(expected, v, "changes of " + key + " in order and complete: " + versions);
                expected++;
            }
            assertEquals(31, expected, "every committed change of " + key);
        }
        long snapshotReadsAfter = Topics.readAll(topic, Integer.MAX_VALUE, Duration.ofSeconds(2)).stream()
                .filter(r -> r.value() != null && op(r.value()).equals("r")).count();
        assertEquals(snapshotReads, snapshotReadsAfter, "no re-snapshot after the restart");
        System.out.println("CAPTURE RESTART: duplicates " + duplicates + " of " + all.size());
    }

    @Test
    void aSignalRowTriggersAnIncrementalSnapshotWithoutARestart() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> streaming("sales"));
        for (int i = 0; i < 5; i++) {
            exec("sales", "INSERT INTO orders (id, customer_id, status, total_cents, currency) VALUES (?, 1, 'created', 1, 'EUR')", idBase + 700 + i);
        }
        String topic = prefix + ".sales.public.orders";
        java.util.function.Predicate<ConsumerRecord<String, String>> mine = r -> r.key() != null && r.value() != null
                && idOf(r.key()) >= idBase + 700 && idOf(r.key()) < idBase + 705;
        records(topic, 5, mine);
        exec("sales", "INSERT INTO tidewater_signal (id, type, data) VALUES (?, 'execute-snapshot', "
                + "'{\"data-collections\": [\"public.orders\"], \"type\": \"incremental\"}')", "snap-" + idBase);
        List<ConsumerRecord<String, String>> all = records(topic, 10, mine);
        // Every row is read again; a chunk may be delivered twice (at-least-once), which the load's upserts absorb.
        assertEquals(5, all.stream().filter(r -> op(r.value()).equals("r")).map(r -> idOf(r.key())).distinct().count(),
                "each row read again by the incremental snapshot");
    }

    @Test
    void heartbeatsKeepAnIdleDatabaseConfirmingWal() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> streaming("crm"));
        long before = confirmedFlush("crm");
        // Only the other database is written to; crm stays idle while the cluster's WAL moves on.
        for (int i = 0; i < 50; i++) {
            exec("sales", "INSERT INTO orders (id, customer_id, status, total_cents, currency) VALUES (?, 1, 'created', 1, 'EUR')", idBase + 500 + i);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> confirmedFlush("crm") > before);
    }

    private long confirmedFlush(String db) throws Exception {
        try (Connection c = connect(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT coalesce(confirmed_flush_lsn - '0/0', 0) FROM pg_replication_slots WHERE slot_name = '" + slot + "_" + db + "'")) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    private static long idOf(String key) {
        return Long.parseLong(key.replaceAll("\\D", ""));
    }

    private static String op(String value) {
        try {
            return JSON.readTree(value).get("op").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String name(String value) {
        try {
            return JSON.readTree(value).get("after").get("name").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
