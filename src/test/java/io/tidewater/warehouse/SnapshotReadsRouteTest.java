package io.tidewater.warehouse;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.tidewater.testing.FlowFiles;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Issue 20, "CDC beyond the demo", snapshot reads: the README's re-snapshot recipe (an incremental snapshot signalled
 * through tidewater_signal) loads into a type-2 dimension. Its reads carry no LSN: they fill in what the warehouse lacks
 * and never overwrite a newer streamed change, even when a read is delivered again after that change.
 */
class SnapshotReadsRouteTest extends LoadRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(90);

    // Set in settings(), which runs from the constructor: no field initializers.
    private String members;
    private String topic;
    private Path routes;

    @Override
    protected boolean withCapture() {
        return true;
    }

    @Override
    protected Path routesDir() {
        return routes;
    }

    @Override
    protected Map<String, String> settings() {
        members = TestNames.schema("members");
        topic = capturePrefix + ".sales.public." + members;
        try {
            exec("CREATE TABLE " + members + " (id bigint PRIMARY KEY, name text, tier text)");
            // Rows there before capture starts: read by the initial snapshot (op r, with the snapshot's LSN).
            exec("INSERT INTO " + members + " VALUES (1, 'Ada', 'gold'), (2, 'Bo', 'silver')");
            Topics.ensure(topic, topic + ".dlq");
            routes = FlowFiles.shippedRoutes("snapshot-routes");
                        Files.writeString(routes.resolve("cdc-members.camel.yaml"), FlowFiles.flow("cdc-members", topic, """
                    format: debezium
                    kind: dimension
                    table: dim_member
                    key: member_id
                    surrogateKey: member_key
                    scd: 2
                    tracked: tier
                    columns:
                      member_id: {field: id, type: bigint}
                      name: {field: name, type: text}
                      tier: {field: tier, type: text}
                    """));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> s = new HashMap<>();
        s.put("tidewater.capture.sales.tables", "public.orders,public." + members);
        return s;
    }

    private List<Map<String, Object>> versions(long id) {
        return warehouse.rows("SELECT name, tier, is_current FROM dim_member WHERE member_id = ? ORDER BY member_key", id);
    }

    @Test
    void incrementalSnapshotReadsLoadWhereTheWarehouseLacksARowAndNeverOverANewerChange() throws Exception {
        await("initial snapshot").atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM dim_member") == 2);
        exec("UPDATE " + members + " SET name = 'Ada L.' WHERE id = 1");
        exec("INSERT INTO " + members + " VALUES (3, 'Cy', 'bronze')");
        await("streamed").atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM dim_member WHERE name IN ('Ada L.', 'Cy')") == 2);
        // The warehouse lost member 2 (the reason to re-snapshot).
        warehouse.execute("DELETE FROM dim_member WHERE member_id = 2");

        exec("INSERT INTO tidewater_signal VALUES ('resnap-" + members + "', 'execute-snapshot', "
                + "'{\"data-collections\": [\"public." + members + "\"], \"type\": \"incremental\"}')");
        await("incremental snapshot").atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM dim_member WHERE member_id = 2") == 1);
        List<ConsumerRecord<String, String>> records = Topics.readAll(topic, 8, Duration.ofSeconds(30));
        List<ConsumerRecord<String, String>> reads = records.stream().filter(r -> r.value() != null && r.value().contains("\"op\":\"r\"")
                && r.value().contains("\"lsn\":null")).toList();
        assertEquals(3, reads.size(), "one incremental read per row");
        assertEquals(List.of(Map.of("name", "Bo", "tier", "silver", "is_current", true)), versions(2));
        assertEquals(List.of(Map.of("name", "Ada L.", "tier", "gold", "is_current", true)), versions(1), "no new version from a read");

        // A newer change, then the old read of member 1 delivered again: the change stays.
        exec("UPDATE " + members + " SET tier = 'platinum' WHERE id = 1");
        await("newer change").atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM dim_member WHERE tier = 'platinum'") == 1);
        ConsumerRecord<String, String> read1 = reads.stream().filter(r -> r.value().contains("\"name\":\"Ada L.\"")).findFirst().orElseThrow();
        exec("INSERT INTO " + members + " VALUES (4, 'Di', 'gold')");
        Topics.send(topic, List.<String[]>of(new String[] {read1.key(), read1.value()}), null, null);
        exec("INSERT INTO " + members + " VALUES (5, 'Ed', 'gold')");
        await("after the redelivery").atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM dim_member WHERE member_id IN (4, 5)") == 2);
        assertEquals(List.of(Map.of("name", "Ada L.", "tier", "gold", "is_current", false),
                Map.of("name", "Ada L.", "tier", "platinum", "is_current", true)), versions(1));
        assertEquals(0L, Topics.size(topic + ".dlq"), "no read dead-lettered");
        assertFalse(warehouse.rows("SELECT 1 FROM dim_member WHERE member_id = 3 AND NOT is_current").size() > 0);
    }

    private static void exec(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl("sales"), "postgres", "");
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.execute();
        }
    }
}
