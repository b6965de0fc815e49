package io.tidewater.events;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.Topics;
import io.tidewater.testing.Warehouse;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The real routes/events-calls.camel.yaml (with the other load routes) against the real broker and database. */
class EventsCallsRouteTest extends LoadRouteTestSupport {

    @Test
    void writesEveryValidEventToFactCallOnce() throws Exception {
        List<String[]> records = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("src/test/resources/events/calls-valid.jsonl"))) {
            records.add(new String[] {"42", line});
        }
        // A bulk of generated events spans several polled batches; the file's events are sent twice to prove idempotence.
        for (int i = 0; i < 1000; i++) {
            records.add(new String[] {String.valueOf(i % 50), "{\"eventId\":\"" + UUID.randomUUID()
                    + "\",\"type\":\"call.completed\",\"customerId\":" + (i % 50) + ",\"agentId\":\"a" + (i % 9)
                    + "\",\"startedAt\":\"2026-11-24T09:00:00Z\",\"durationSec\":" + i + ",\"outcome\":\"resolved\"}"});
        }
        records.addAll(records.subList(0, 3));
        Topics.send(calls, records, null, null);

        await().atMost(Duration.ofSeconds(60)).until(() -> warehouse.count("SELECT count(*) FROM fact_call") == 1003);
        Map<String, Object> row = warehouse.rows("SELECT customer_id, agent_id, started_at, duration_sec, outcome FROM fact_call "
                + "WHERE event_id = ?::uuid", "0b7c2f36-1d7e-4f0e-9a51-6a1f2f0c0003").get(0);
        assertEquals(7L, row.get("customer_id"));
        assertEquals("agent-7", row.get("agent_id"));
        assertEquals(Instant.parse("2026-11-24T11:02:10.250Z"), ((Timestamp) row.get("started_at")).toInstant());
        assertEquals(12, row.get("duration_sec"));
        assertEquals("dropped", row.get("outcome"));
        assertEquals(1000L, warehouse.count("SELECT count(*) FROM fact_call WHERE agent_id LIKE 'a_'"));
    }

    @Test
    void sendsInvalidEventsToTheDeadLetterTopicWithContextAndKeepsLoading() throws Exception {
        List<String[]> records = new ArrayList<>();
        List<String> invalid = Files.readAllLines(Path.of("src/test/resources/events/calls-invalid.jsonl"));
        invalid.forEach(line -> records.add(new String[] {"bad", line}));
        records.add(new String[] {"big", "{\"pad\":\"" + "x".repeat(5000) + "\"}"});
        Files.readAllLines(Path.of("src/test/resources/events/calls-valid.jsonl")).forEach(l -> records.add(new String[] {"ok", l}));
        Topics.send(calls, records, "traceparent", "00-abc-def-01");

        await().atMost(Duration.ofSeconds(60)).until(() -> warehouse.count("SELECT count(*) FROM fact_call") == 3);
        List<ConsumerRecord<String, String>> dlq = Topics.readAll(calls + ".dlq", 5, Duration.ofSeconds(30));
        assertEquals(5, dlq.size());
        List<ConsumerRecord<String, String>> bad = dlq.stream().filter(r -> "bad".equals(r.key())).toList();
        assertEquals(4, bad.size());
        for (int i = 0; i < bad.size(); i++) {
            ConsumerRecord<String, String> r = bad.get(i);
            assertEquals(invalid.get(i), r.value());
            assertEquals("00-abc-def-01", header(r, "traceparent"));
            assertEquals(InvalidEventException.class.getName(), header(r, "tidewater.error.class"));
            assertEquals(calls, header(r, "tidewater.error.topic"));
            assertEquals(String.valueOf(i), header(r, "tidewater.error.offset"));
            assertTrue(header(r, "tidewater.error.partition").matches("[0-2]"));
            assertTrue(header(r, "tidewater.error.time").startsWith("20"));
        }
        assertTrue(header(bad.get(1), "tidewater.error.message").contains("customerId"));
        assertEquals(1, dlq.stream().filter(r -> "big".equals(r.key())
                && header(r, "tidewater.error.message").contains("over the limit")).count());
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
