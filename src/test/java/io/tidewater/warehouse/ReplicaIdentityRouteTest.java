package io.tidewater.warehouse;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.Topics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, point 3: deletes captured by Debezium reach the warehouse whatever the source table's replica identity:
 * DEFAULT (the old row holds only the key), USING INDEX, and FULL. A deleted customer's current version is closed, a
 * deleted order is marked deleted and keeps its values, and nothing is dead-lettered.
 */
class ReplicaIdentityRouteTest extends LoadRouteTestSupport {

    private final long base = System.nanoTime() % 1_000_000_000L * 1000;

    @Override
    protected boolean withCapture() {
        return true;
    }

    @AfterEach
    void defaultIdentityAgain() throws Exception {
        exec("crm", "ALTER TABLE customers REPLICA IDENTITY DEFAULT");
        exec("crm", "DROP INDEX IF EXISTS customers_identity");
        exec("sales", "ALTER TABLE orders REPLICA IDENTITY DEFAULT");
    }

    @Test
    void deletesArriveUnderDefaultUsingIndexAndFullReplicaIdentity() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> slotActive("crm").equals("t") && slotActive("sales").equals("t"));
        roundTrip("DEFAULT", base + 1);
        exec("crm", "CREATE UNIQUE INDEX customers_identity ON customers (id)");
        exec("crm", "ALTER TABLE customers REPLICA IDENTITY USING INDEX customers_identity");
        roundTrip("USING INDEX", base + 10);
        exec("crm", "ALTER TABLE customers REPLICA IDENTITY FULL");
        exec("sales", "ALTER TABLE orders REPLICA IDENTITY FULL");
        roundTrip("FULL", base + 20);

        assertTrue(Topics.readAll(customers + ".dlq", 1, Duration.ofSeconds(3)).isEmpty(), "no customer dead-lettered");
        assertTrue(Topics.readAll(orders + ".dlq", 1, Duration.ofSeconds(3)).isEmpty(), "no order dead-lettered");
    }

    /** Two customers and two orders inserted, then one of each deleted; checks the warehouse after the deletes. */
    private void roundTrip(String identity, long id) throws Exception {
        long kept = id;
        long deleted = id + 1;
        exec("crm", "INSERT INTO customers (id, name, email, segment, region) VALUES (?, 'Ada', 'ada@example.com', 'smb', 'emea')", kept);
        exec("crm", "INSERT INTO customers (id, name, email, segment, region) VALUES (?, 'Bob', 'bob@example.com', 'consumer', 'amer')", deleted);
        exec("sales", "INSERT INTO orders (id, customer_id, status, total_cents, currency) VALUES (?, ?, 'created', 999, 'EUR')", kept, kept);
        exec("sales", "INSERT INTO orders (id, customer_id, status, total_cents, currency) VALUES (?, ?, 'paid', 1500, 'USD')", deleted, kept);
        // Loaded first, so that the deletes find the rows they delete.
        await(identity + " inserts").atMost(Duration.ofSeconds(60)).until(() ->
                warehouse.count("SELECT count(*) FROM dim_customer WHERE is_current AND NOT is_inferred AND customer_id IN ("
                        + kept + ", " + deleted + ")") == 2
                        && warehouse.count("SELECT count(*) FROM fact_order WHERE status IS NOT NULL AND order_id IN ("
                        + kept + ", " + deleted + ")") == 2);
        exec("crm", "DELETE FROM customers WHERE id = ?", deleted);
        exec("sales", "DELETE FROM orders WHERE id = ?", deleted);

        await(identity + " deletes").atMost(Duration.ofSeconds(60)).until(() ->
                warehouse.count("SELECT count(*) FROM dim_customer WHERE customer_id = " + deleted + " AND is_current") == 0
                        && warehouse.count("SELECT count(*) FROM fact_order WHERE order_id = " + deleted + " AND deleted") == 1);
        List<Map<String, Object>> bob = warehouse.rows("SELECT name, segment, valid_to FROM dim_customer WHERE customer_id = ?", deleted);
        assertEquals(1, bob.size(), identity + ": one version, closed");
        assertEquals("Bob", bob.get(0).get("name"), identity);
        assertTrue(bob.get(0).get("valid_to") != null, identity + ": closed by the delete");
        Map<String, Object> order = warehouse.rows("SELECT status, total_cents, currency, customer_key FROM fact_order WHERE order_id = ?",
                deleted).get(0);
        assertEquals("paid", order.get("status"), identity + ": a deleted order keeps its values");
        assertEquals(1500L, ((Number) order.get("total_cents")).longValue(), identity);
        assertEquals("USD", order.get("currency"), identity);
        assertTrue(order.get("customer_key") != null, identity);
        assertEquals(1, warehouse.count("SELECT count(*) FROM dim_customer WHERE customer_id = " + kept + " AND is_current"));
        assertEquals(0, warehouse.count("SELECT count(*) FROM fact_order WHERE order_id = " + kept + " AND deleted"));
    }

    private String slotActive(String db) throws Exception {
        try (Connection c = DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl(db), "postgres", "");
             PreparedStatement ps = c.prepareStatement("SELECT coalesce(bool_or(active), false)::text FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot + "_" + db);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1).substring(0, 1);
            }
        }
    }

    private static void exec(String db, String sql, Object... params) throws Exception {
        try (Connection c = DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl(db), "postgres", "");
             PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.execute();
        }
    }
}
