package io.tidewater.warehouse;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.tidewater.testing.Envelopes;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, point 1: records that pass validation but that the warehouse refuses (a NUL byte in a text field, a value
 * too long for its column, a rule of the warehouse's own) never block their flow. Exactly those records go to the
 * dead-letter topic with the SQLSTATE and PostgreSQL's message for each (never another record's of its batch), and every
 * other record of their batches loads; a timestamp past PostgreSQL's range is refused before the warehouse is asked.
 */
class WarehouseRejectsRouteTest extends LoadRouteTestSupport {

    private static final String NUL = "\\u0000";

    @Test
    void refusedRecordsAreDeadLetteredAndTheRestLoads() throws Exception {
        // A rule of the warehouse's own, which no declaration knows: a call of 777 s is refused (SQLSTATE 23514).
        warehouse.execute("ALTER TABLE fact_call ADD CONSTRAINT calls_not_777 CHECK (duration_sec <> 777)");
        // A column the warehouse keeps narrower than the flow declares it (text): currency codes as CHAR(3).
        warehouse.execute("ALTER TABLE fact_order ALTER COLUMN currency TYPE char(3)");
        List<String[]> callRecords = new ArrayList<>();
        Map<String, String> invalidCalls = new HashMap<>();
        Map<String, String> refusedCalls = new HashMap<>();
        Set<String> validCallIds = new HashSet<>();
        long validDuration = 0;
        for (int i = 0; i < 1200; i++) {
            String id = UUID.randomUUID().toString();
            String value = Envelopes.call(id, i % 50, "2026-11-24T1" + (i % 10) + ":00:00Z", 10 + i, "resolved");
            if (i == 7 || i == 450 || i == 451) {
                value = value.replace("agent-1", "a" + NUL + "b");
                refusedCalls.put(value, "0x00");
            } else if (i == 600 || i == 1199) {
                // Past PostgreSQL's range: refused before the warehouse is asked.
                value = value.replace("2026-11-24T1" + (i % 10) + ":00:00Z", "+300000-01-01T00:00:00Z");
                invalidCalls.put(value, "out of PostgreSQL's timestamptz range");
            } else if (i == 767) {
                refusedCalls.put(value, "calls_not_777");
            } else {
                validCallIds.add(id);
                validDuration += 10 + i;
            }
            callRecords.add(new String[] {String.valueOf(i % 50), value});
        }
        List<String[]> orderRecords = new ArrayList<>();
        Set<String> refusedOrders = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            String value = Envelopes.order("c", i, i % 40, "created", 100 + i, 10 + i);
            if (i % 100 == 42) {
                value = value.replace("\"EUR\"", "\"EURO\"");            // currency is CHAR(3): 22001
                refusedOrders.add(value);
            }
            orderRecords.add(new String[] {String.valueOf(i), value});
        }
        List<String[]> customerRecords = new ArrayList<>();
        Set<String> refusedCustomers = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            String value = Envelopes.customer("c", 1000 + i, "C" + i, "smb", "emea", 1000 + i);
            if (i == 13) {
                value = value.replace("\"C13\"", "\"C" + NUL + "13\"");
                refusedCustomers.add(value);
            }
            customerRecords.add(new String[] {String.valueOf(1000 + i), value});
        }
        Topics.send(calls, callRecords, "source", "rejects-test");
        Topics.send(orders, orderRecords, "source", "rejects-test");
        Topics.send(customers, customerRecords, "source", "rejects-test");

        // Every record is accounted for: written or dead-lettered, and the position is past all of them.
        await("positions").atMost(Duration.ofSeconds(120)).until(() ->
                warehouse.count("SELECT coalesce(sum(next_offset), 0) FROM etl_offsets WHERE topic = '" + calls + "'") == 1200
                        && warehouse.count("SELECT coalesce(sum(next_offset), 0) FROM etl_offsets WHERE topic = '" + orders + "'") == 300
                        && warehouse.count("SELECT coalesce(sum(next_offset), 0) FROM etl_offsets WHERE topic = '" + customers + "'") == 100);

        Set<String> loaded = new HashSet<>();
        warehouse.rows("SELECT event_id::text AS id FROM fact_call").forEach(r -> loaded.add((String) r.get("id")));
        assertEquals(validCallIds, loaded);
        assertEquals(validCallIds.size(), warehouse.count("SELECT sum(calls) FROM agg_calls_hourly"));
        assertEquals(validDuration, warehouse.count("SELECT sum(total_duration_sec) FROM agg_calls_hourly"));
        assertEquals(300 - refusedOrders.size(), warehouse.count("SELECT count(*) FROM fact_order WHERE status IS NOT NULL"));
        assertEquals(99, warehouse.count("SELECT count(*) FROM dim_customer WHERE customer_id >= 1000 AND NOT is_inferred"));

        // Each with the warehouse's reason for it, never that of another record of its batch.
        List<ConsumerRecord<String, String>> callLetters = Topics.readAll(calls + ".dlq", refusedCalls.size() + invalidCalls.size() + 1,
                Duration.ofSeconds(8));
        assertEquals(refusedCalls.size() + invalidCalls.size(), callLetters.size(), "each refused call once");
        for (ConsumerRecord<String, String> r : callLetters) {
            String message = header(r, "tidewater.error.message");
            if (invalidCalls.containsKey(r.value())) {
                assertTrue(message.contains(invalidCalls.get(r.value())), message);
                continue;
            }
            String reason = refusedCalls.get(r.value());
            assertNotNull(reason, "dead-lettered: " + r.value());
            assertTrue(message.contains(reason), reason + " in " + message);
            assertWarehouseRefusal(r, calls);
        }
        assertDeadLetters(orders, refusedOrders);
        assertDeadLetters(customers, refusedCustomers);
    }

    private void assertDeadLetters(String topic, Set<String> expected) {
        // One more than expected, so that a record dead-lettered twice would show.
        List<ConsumerRecord<String, String>> dlq = Topics.readAll(topic + ".dlq", expected.size() + 1, Duration.ofSeconds(8));
        Set<String> values = new HashSet<>();
        for (ConsumerRecord<String, String> r : dlq) {
            values.add(r.value());
            assertWarehouseRefusal(r, topic);
        }
        assertEquals(expected, values, "dead letters of " + topic);
        assertEquals(expected.size(), dlq.size(), "each refused record once in " + topic + ".dlq");
    }

    /** A dead letter of a record the warehouse refused: its SQLSTATE (a data exception or a violated rule) and context. */
    private static void assertWarehouseRefusal(ConsumerRecord<String, String> r, String topic) {
        String state = header(r, "tidewater.error.sqlstate");
        assertNotNull(state, "SQLSTATE of " + r.value());
        assertTrue(state.startsWith("22") || state.startsWith("23"), "a data exception or a violated rule: " + state);
        assertTrue(header(r, "tidewater.error.message").contains("ERROR"), header(r, "tidewater.error.message"));
        assertEquals("org.postgresql.util.PSQLException", header(r, "tidewater.error.class"));
        assertEquals(topic, header(r, "tidewater.error.topic"));
        assertNotNull(header(r, "tidewater.error.offset"));
        assertEquals("rejects-test", header(r, "source"));
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
