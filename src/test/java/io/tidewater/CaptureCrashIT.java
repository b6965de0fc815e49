package io.tidewater;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidewater.testing.AppProcess;
import io.tidewater.testing.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Capture survives kill -9 of the application while the OLTP database keeps taking writes: nothing lost, order per key kept. */
class CaptureCrashIT {

    private static final int KEYS = 50;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void everyCommittedChangeReachesKafkaInOrderAfterKill9() throws Exception {
        try (AppProcess app = new AppProcess(dir.resolve("app"))) {
            app.setProperty("tidewater.demo.enabled", "false").setProperty("tidewater.capture.heartbeat-interval-ms", "1000").start();
            await().atMost(Duration.ofSeconds(120)).until(() -> app.get("/observe/health").contains("\"UP\""));
            for (int k = 1; k <= KEYS; k++) {
                write(app, "INSERT INTO customers (id, name, email, segment, region) VALUES (?, 'v0', 'c@example.com', 'smb', 'emea')", k);
            }
            // The initial snapshot may overlap these inserts (op=r for some); count it once everything has arrived.
            List<ConsumerRecord<String, String>> first = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                first.clear();
                first.addAll(readAll(app));
                return lastVersions(first).size() == KEYS;
            });
            long snapshotReadsBefore = first.stream().filter(r -> r.value() != null && op(r.value()).equals("r")).count();
            Map<Integer, Integer> committed = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                for (int v = 1; v <= 400 && !stop.get(); v++) {
                    for (int k = 1; k <= KEYS; k++) {
                        // The database may be restarting with the application: retry until this version is committed.
                        while (!write(app, "UPDATE customers SET name = '" + "v" + v + "' WHERE id = ?", k) && !stop.get()) {
                            Thread.onSpinWait();
                        }
                        committed.put(k, v);
                    }
                }
            }, "oltp-writer");
            writer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> committed.getOrDefault(KEYS, 0) >= 20);
            app.kill();
            int atKill = committed.get(KEYS);
            await().atMost(Duration.ofSeconds(30)).until(() -> committed.getOrDefault(KEYS, 0) >= atKill + 10);
            app.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> app.get("/observe/health").contains("\"UP\""));
            int atRestart = committed.getOrDefault(KEYS, 0);
            await().atMost(Duration.ofSeconds(60)).until(() -> committed.getOrDefault(KEYS, 0) >= atRestart + 20);
            stop.set(true);
            writer.join(30_000);

            List<ConsumerRecord<String, String>> all = new ArrayList<>();
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                all.clear();
                all.addAll(readAll(app));
                return lastVersions(all).equals(committed);
            });
            int duplicates = 0;
            for (int k = 1; k <= KEYS; k++) {
                int expected = 0;
                for (ConsumerRecord<String, String> r : all) {
                    if (r.value() == null || !r.key().equals("{\"id\":" + k + "}")) {
                        continue;
                    }
                    int v = version(r.value());
                    if (v < expected) {
                        duplicates++;
                        continue;
                    }
                    assertEquals(expected, v, "key " + k + " in order, without gaps");
                    expected++;
                }
                assertEquals(committed.get(k) + 1, expected, "all changes of key " + k);
            }
            long snapshotReads = all.stream().filter(r -> r.value() != null && op(r.value()).equals("r")).count();
            assertEquals(snapshotReadsBefore, snapshotReads, "no new snapshot after the restart");
            System.out.printf("CAPTURE KILL -9: %d change records for %d committed changes, %d duplicates%n",
                    all.size(), committed.values().stream().mapToInt(v -> v + 1).sum(), duplicates);
            assertTrue(atKill > 0);
        }
    }

    private static boolean write(AppProcess app, String sql, int id) {
        try (Connection c = DriverManager.getConnection(app.jdbcUrl("crm"), "postgres", "");
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, id);
            ps.executeUpdate();
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static Map<Integer, Integer> lastVersions(List<ConsumerRecord<String, String>> records) {
        Map<Integer, Integer> last = new ConcurrentHashMap<>();
        for (ConsumerRecord<String, String> r : records) {
            if (r.value() != null) {
                last.merge(Integer.parseInt(r.key().replaceAll("\\D", "")), version(r.value()), Math::max);
            }
        }
        return last;
    }

    /** The capture topic so far, or nothing while the broker is not answering (it restarts with the application). */
    private static List<ConsumerRecord<String, String>> readAll(AppProcess app) {
        try {
            return Topics.readAll("localhost:" + app.kafkaPort, "cdc.crm.public.customers", Integer.MAX_VALUE, Duration.ofSeconds(3));
        } catch (Exception e) {
            return List.of();
        }
    }

    private static int version(String value) {
        try {
            JsonNode env = JSON.readTree(value);
            JsonNode row = env.get("after").isNull() ? env.get("before") : env.get("after");
            return Integer.parseInt(row.get("name").asText().substring(1));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String op(String value) {
        try {
            return JSON.readTree(value).get("op").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
