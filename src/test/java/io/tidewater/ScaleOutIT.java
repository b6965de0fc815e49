package io.tidewater;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.tidewater.testing.AppProcess;
import io.tidewater.testing.CaptureFixture;
import io.tidewater.testing.ExpectedWarehouse;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Topics;
import io.tidewater.testing.Workload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, points 7 and 8: two load instances (the packaged application in external mode, capture in the first only)
 * share the consumer groups during a 200k-event load; the second is killed (kill -9) and restarted twice mid-load. The
 * warehouse must equal the independent oracle. Then a live replay asked of one instance is refused, naming the other,
 * and etl_offsets stay as they were.
 */
@ExtendWith(SharedInfrastructure.class)
class ScaleOutIT {

    private static final String PASSWORD = "scale-out-secret";

    @TempDir
    Path dir;

    private final String prefix = TestNames.topic("scale");
    private final String schema = TestNames.schema("scale");
    private final String group = TestNames.group("scale");
    private final String slot = TestNames.schema("slot");
    private final String calls = prefix + ".calls";
    private final String shipping = prefix + ".shipping";
    private final String customers = prefix + ".customers";
    private final String orders = prefix + ".orders";

    @AfterEach
    void dropSlots() throws Exception {
        CaptureFixture.dropSlots(slot);
    }

    @Test
    void twoInstancesWithKillsLoadExactlyOnceAndRefuseALiveReplay() throws Exception {
        Workload w = new Workload(77, 5_000, 20_000, 10_000, 40_000, 130_000, 10_000);
        assertEquals(200_000, w.size());
        Topics.ensure(calls, shipping, customers, orders, calls + ".dlq", shipping + ".dlq", customers + ".dlq", orders + ".dlq");
        // The captured databases need their tables, as in production.
        CaptureFixture.migrateOltp();
        try (AppProcess first = instance("first", true); AppProcess second = instance("second", false)) {
            first.start();
            awaitReady(first);
            second.start();
            awaitReady(second);

            long t0 = System.nanoTime();
            produce(customers, w.customerRecords);
            produce(orders, w.orderRecords);
            produce(calls, w.callRecords);
            produce(shipping, w.shippingRecords);
            long downNanos = 0;
            for (int kill = 1; kill <= 2; kill++) {
                long at = kill * 60_000L;
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50)).until(() -> loaded() >= at);
                second.kill();
                long down = System.nanoTime();
                second.start();
                awaitReady(second);
                downNanos += System.nanoTime() - down;
                System.out.printf("SCALE-OUT: kill %d of the second instance at %d loaded records; restarted%n", kill, at);
            }
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(100)).until(() -> loaded() == w.size());
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("SCALE-OUT: %d events in %.1f s with two instances (%.0f events/s, %.1f s of it restarting)%n",
                    w.size(), seconds, w.size() / seconds, downNanos / 1e9);
            try (Connection c = DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl(SharedInfrastructure.WAREHOUSE_DB),
                    "postgres", "")) {
                ExpectedWarehouse.verify(c, schema, w);
            }

            // A live replay asked of the first instance is refused: the second consumes the same topic.
            Map<String, Long> positions = positions();
            AppProcess.Response r = jolokia(first, "{\"type\":\"exec\",\"mbean\":\"tidewater:type=replay\",\"operation\":\"replay\","
                    + "\"arguments\":[\"" + calls + "\",\"\",\"beginning\",\"\",\"live\"]}");
            assertTrue(r.body().contains("other load instances consume it too") && r.body().contains("events-calls-second"), r.body());
            assertEquals(positions, positions(), "etl_offsets unchanged by the refused replay");
        }
    }

    private AppProcess instance(String name, boolean capture) throws Exception {
        SharedInfrastructure.Stack stack = SharedInfrastructure.get();
        AppProcess app = new AppProcess(dir.resolve(name));
        app.env("TIDEWATER_KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers())
                .env("TIDEWATER_EDW_JDBC_URL", stack.jdbcUrl(SharedInfrastructure.WAREHOUSE_DB))
                .env("TIDEWATER_EDW_USERNAME", "postgres")
                .env("TIDEWATER_EDW_SCHEMA", schema)
                .env("TIDEWATER_OPS_PASSWORD", PASSWORD)
                .env("TIDEWATER_DEMO_ENABLED", "false")
                .env("TIDEWATER_LOAD_GROUP_ID", group)
                .env("TIDEWATER_LOAD_INSTANCE_ID", name)
                .env("TIDEWATER_LOAD_SESSION_TIMEOUT_MS", "6000")
                .env("TIDEWATER_TOPICS_CALLS", calls)
                .env("TIDEWATER_TOPICS_SHIPPING", shipping)
                .env("TIDEWATER_TOPICS_CUSTOMERS", customers)
                .env("TIDEWATER_TOPICS_ORDERS", orders)
                .env("TIDEWATER_CAPTURE_ENABLED", String.valueOf(capture));
        if (capture) {
            app.env("TIDEWATER_CAPTURE_OFFSETS_TOPIC", prefix + ".capture-offsets");
            for (String db : new String[] {"crm", "sales"}) {
                String p = "TIDEWATER_CAPTURE_" + db.toUpperCase() + "_";
                app.env(p + "HOSTNAME", "localhost").env(p + "PORT", String.valueOf(stack.postgresPort())).env(p + "USER", "postgres")
                        .env(p + "PASSWORD", "any").env(p + "SLOT", slot + "_" + db).env(p + "TOPIC_PREFIX", prefix + ".cdc." + db);
            }
        }
        return app;
    }

    private static void awaitReady(AppProcess app) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> app.get("/observe/health/ready").contains("\"UP\""));
    }

    /** Records loaded so far: the sum of the positions stored in etl_offsets (topics start at offset 0). */
    private long loaded() {
        try (Connection c = DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl(SharedInfrastructure.WAREHOUSE_DB), "postgres", "")) {
            return ExpectedWarehouse.scalar(c, "SELECT coalesce(sum(next_offset), 0) FROM " + schema + ".etl_offsets WHERE consumer_group = '"
                    + group + "'");
        } catch (Exception e) {
            return -1;
        }
    }

    private Map<String, Long> positions() throws Exception {
        Map<String, Long> out = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl(SharedInfrastructure.WAREHOUSE_DB), "postgres", "");
             PreparedStatement ps = c.prepareStatement("SELECT topic || '/' || partition, next_offset FROM " + schema + ".etl_offsets");
             var rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }

    private static AppProcess.Response jolokia(AppProcess app, String body) throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + app.managementPort + "/observe/jolokia"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("operator:" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build();
        var response = java.net.http.HttpClient.newHttpClient().send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        return new AppProcess.Response(response.statusCode(), response.body());
    }

    private static void produce(String topic, List<String[]> records) {
        Topics.produce(SharedInfrastructure.get().bootstrapServers(), topic, records);
    }
}
