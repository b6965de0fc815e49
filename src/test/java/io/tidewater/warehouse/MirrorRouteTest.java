package io.tidewater.warehouse;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidewater.testing.FlowFiles;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, points 1 and 6: a mirror flow replicates a captured table as it is. Real Debezium captures two source tables
 * with their Kafka Connect schemas; one mirror deletes hard and takes one column's type from its declaration and every
 * other from the schema, the other deletes soft under an LSN guard and reads two topics (two shards of a table). A column added to the source reaches the mirror by
 * itself, and a record that cannot be read is dead-lettered while the rest keeps moving.
 */
class MirrorRouteTest extends LoadRouteTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();

    // Set in settings(), which runs from the constructor: no field initializers.
    private String items;
    private String tickets;
    private String itemsTopic;
    private String ticketsTopic;
    private String tickets2;
    private String tickets2Topic;
    private Path routes;

    @Override
    protected boolean withCapture() {
        return true;
    }

    @Override
    protected boolean captureSchemas() {
        return true;
    }

    @Override
    protected Path routesDir() {
        return routes;
    }

    @Override
    protected Map<String, String> settings() {
        items = TestNames.schema("items");
        tickets = TestNames.schema("tickets");
        itemsTopic = capturePrefix + ".sales.public." + items;
        ticketsTopic = capturePrefix + ".sales.public." + tickets;
        tickets2 = TestNames.schema("tickets");
        tickets2Topic = capturePrefix + ".sales.public." + tickets2;
        try {
            exec("CREATE TABLE " + items + " (id bigint PRIMARY KEY, name text NOT NULL, label text, price numeric(10,2), "
                    + "created_at timestamp, happened_at timestamptz, day date, code uuid, active boolean, doc jsonb, qty int)");
            exec("CREATE TABLE " + tickets + " (id int PRIMARY KEY, status text)");
            exec("CREATE TABLE " + tickets2 + " (id int PRIMARY KEY, status text)");
            Topics.ensure(itemsTopic, itemsTopic + ".dlq", ticketsTopic, ticketsTopic + ".dlq", tickets2Topic, tickets2Topic + ".dlq");
            routes = FlowFiles.shippedRoutes("mirror-routes");
                        Files.writeString(routes.resolve("mirror-items.camel.yaml"), FlowFiles.flow("mirror-items", itemsTopic, """
                    format: debezium
                    kind: mirror
                    table: mirror_items
                    key: id
                    deletes: hard
                    columns:
                      price: {field: price, type: "numeric(12,2)", required: false}
                    """));
            // Two shards of one table, from two topics, into one mirror.
            Files.writeString(routes.resolve("mirror-tickets.camel.yaml"), FlowFiles.flow("mirror-tickets", ticketsTopic + "," + tickets2Topic, """
                    format: debezium
                    kind: mirror
                    table: mirror_tickets
                    key: id
                    version: lsn
                    deletes: soft
                    """));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> s = new HashMap<>();
        s.put("tidewater.capture.sales.tables", "public.orders,public." + items + ",public." + tickets + ",public." + tickets2);
        return s;
    }

    @Test
    void aMirrorReplicatesTheTableAsItIsAndFollowsItsNewColumns() throws Exception {
        // Changes streamed after the snapshot, not read by it.
        await("capture streaming").atMost(Duration.ofSeconds(60)).until(this::slotActive);
        UUID code = UUID.randomUUID();
        exec("INSERT INTO " + items + " VALUES (1, 'Ada', '', 12.50, '2026-03-01 10:00:00', '2026-03-01 11:30:00+00', '2026-03-01', ?, "
                + "true, '{\"a\": [1, 2]}', 3)", code);
        exec("INSERT INTO " + items + " (id, name, qty) VALUES (2, 'Bob', 1)");
        exec("INSERT INTO " + items + " (id, name) VALUES (3, 'Cy')");
        exec("UPDATE " + items + " SET name = 'Bobby', qty = 4 WHERE id = 2");
        exec("DELETE FROM " + items + " WHERE id = 3");
        exec("INSERT INTO " + tickets + " VALUES (1, 'open'), (2, 'open')");
        exec("UPDATE " + tickets + " SET status = 'closed' WHERE id = 1");
        exec("DELETE FROM " + tickets + " WHERE id = 2");
        exec("INSERT INTO " + tickets2 + " VALUES (10, 'open')");

        await("items mirrored").atMost(Duration.ofSeconds(90)).until(() -> tableExists("mirror_items")
                && warehouse.count("SELECT count(*) FROM mirror_items") == 2
                && warehouse.count("SELECT count(*) FROM mirror_items WHERE name = 'Bobby'") == 1);
        Map<String, Object> ada = warehouse.rows("SELECT * FROM mirror_items WHERE id = 1").get(0);
        assertEquals("Ada", ada.get("name"));
        assertEquals("", ada.get("label"), "an empty string is data");
        assertEquals(new BigDecimal("12.50"), ada.get("price"));
        assertEquals(Instant.parse("2026-03-01T10:00:00Z"), ((Timestamp) ada.get("created_at")).toInstant());
        assertEquals(Instant.parse("2026-03-01T11:30:00Z"), ((Timestamp) ada.get("happened_at")).toInstant());
        assertEquals(LocalDate.parse("2026-03-01"), ((java.sql.Date) ada.get("day")).toLocalDate());
        assertEquals(code, ada.get("code"));
        assertEquals(true, ada.get("active"));
        assertEquals(JSON.readTree("{\"a\": [1, 2]}"), JSON.readTree(ada.get("doc").toString()));
        assertEquals(3, ((Number) ada.get("qty")).intValue());
        Map<String, Object> bob = warehouse.rows("SELECT * FROM mirror_items WHERE id = 2").get(0);
        assertEquals(4, ((Number) bob.get("qty")).intValue());
        assertNull(bob.get("price"));
        assertEquals(0, warehouse.count("SELECT count(*) FROM mirror_items WHERE id = 3"), "a hard delete removes the row");
        assertEquals(Map.of("id", "bigint", "name", "text", "label", "text", "price", "numeric(12,2)",
                "created_at", "timestamp with time zone", "happened_at", "timestamp with time zone", "day", "date",
                "code", "uuid", "active", "boolean", "doc", "jsonb"), without(types("mirror_items"), "qty"),
                "types from the declaration (price) and from the Connect schema (the rest)");
        assertEquals("integer", types("mirror_items").get("qty"));
        assertEquals(List.of("id", "name", "label", "price", "created_at", "happened_at", "day", "code", "active", "doc", "qty"),
                warehouse.rows("SELECT attname::text AS name FROM pg_attribute WHERE attrelid = 'mirror_items'::regclass AND attnum > 0 "
                        + "AND NOT attisdropped ORDER BY attnum").stream().map(r -> r.get("name")).toList(), "the source's column order");

        await("tickets mirrored").atMost(Duration.ofSeconds(60)).until(() -> tableExists("mirror_tickets")
                && warehouse.count("SELECT count(*) FROM mirror_tickets WHERE id = 2 AND deleted") == 1
                && warehouse.count("SELECT count(*) FROM mirror_tickets WHERE id = 1 AND status = 'closed'") == 1
                && warehouse.count("SELECT count(*) FROM mirror_tickets WHERE id = 10 AND status = 'open'") == 1);
        Map<String, Object> deleted = warehouse.rows("SELECT status, source_lsn FROM mirror_tickets WHERE id = 2").get(0);
        assertEquals("open", deleted.get("status"), "a soft delete keeps the row's values");
        assertTrue(deleted.get("source_lsn") != null);
        assertEquals(0, warehouse.count("SELECT count(*) FROM mirror_tickets WHERE id = 1 AND deleted"));

        // A record that cannot be read goes to the dead-letter topic; the flow goes on.
        Topics.send(itemsTopic, List.<String[]>of(new String[] {"{\"id\":99}", "{\"schema\": {\"type\": \"struct\"}, \"payload\": "}), null, null);
        List<ConsumerRecord<String, String>> dead = Topics.readAll(itemsTopic + ".dlq", 1, Duration.ofSeconds(60));
        assertEquals(1, dead.size());
        assertTrue(new String(dead.get(0).headers().lastHeader("tidewater.error.message").value()).contains("malformed JSON"),
                "the dead letter says why");

        // Columns added at the source reach the mirror by themselves.
        exec("ALTER TABLE " + items + " ADD COLUMN rating smallint, ADD COLUMN tags text");
        exec("UPDATE " + items + " SET rating = 5, tags = 'new' WHERE id = 1");
        exec("INSERT INTO " + items + " (id, name, rating) VALUES (4, 'Dee', 2)");
        await("new columns").atMost(Duration.ofSeconds(60)).until(() -> types("mirror_items").containsKey("tags")
                && warehouse.count("SELECT count(*) FROM mirror_items WHERE id = 4") == 1
                && warehouse.count("SELECT count(*) FROM mirror_items WHERE id = 1 AND tags = 'new'") == 1);
        assertEquals("integer", types("mirror_items").get("rating"));
        assertEquals(5, ((Number) warehouse.rows("SELECT rating FROM mirror_items WHERE id = 1").get(0).get("rating")).intValue());
        assertEquals(2, ((Number) warehouse.rows("SELECT rating FROM mirror_items WHERE id = 4").get(0).get("rating")).intValue());
        assertEquals("Ada", warehouse.rows("SELECT name FROM mirror_items WHERE id = 1").get(0).get("name"));
        assertTrue(Topics.readAll(ticketsTopic + ".dlq", 1, Duration.ofSeconds(2)).isEmpty(), "no ticket dead-lettered");
    }

    private static Map<String, String> without(Map<String, String> m, String key) {
        Map<String, String> copy = new HashMap<>(m);
        copy.remove(key);
        return copy;
    }

    private boolean tableExists(String table) {
        return !types(table).isEmpty();
    }

    private Map<String, String> types(String table) {
        Map<String, String> out = new HashMap<>();
        for (Map<String, Object> r : warehouse.rows("SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type "
                + "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = current_schema() AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped", table)) {
            out.put((String) r.get("name"), (String) r.get("type"));
        }
        return out;
    }

    private boolean slotActive() throws Exception {
        try (Connection c = DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl("sales"), "postgres", "");
             PreparedStatement ps = c.prepareStatement("SELECT coalesce(bool_or(active), false) FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot + "_sales");
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static void exec(String sql, Object... params) throws Exception {
        try (Connection c = DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl("sales"), "postgres", "");
             PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.execute();
        }
    }
}
