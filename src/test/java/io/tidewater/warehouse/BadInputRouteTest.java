package io.tidewater.warehouse;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import javax.management.ObjectName;

import io.tidewater.LoadBeans;
import io.tidewater.testing.Envelopes;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** 5% malformed input on every topic: each bad record lands in its topic's DLQ with context, each valid one in the EDW. */
class BadInputRouteTest extends LoadRouteTestSupport {

    private final Random random = new Random(5);

    @Test
    void everyBadEventIsDeadLetteredAndEveryValidOneLoaded() throws Exception {
        Map<String, List<String[]>> sent = new HashMap<>();
        Map<String, Set<String>> bad = new HashMap<>();
        Set<String> validCallIds = new HashSet<>();
        long lsn = 1;
        for (int i = 0; i < 1000; i++) {
            String id = UUID.randomUUID().toString();
            if (add(sent, bad, calls, String.valueOf(i % 40), Envelopes.call(id, i % 40, "2026-11-24T10:00:00Z", 30 + i, "resolved"))) {
                validCallIds.add(id);
            }
        }
        for (int i = 0; i < 200; i++) {
            add(sent, bad, customers, String.valueOf(i), Envelopes.customer("c", i, "C" + i, "smb", "emea", lsn++));
        }
        for (int i = 0; i < 400; i++) {
            add(sent, bad, orders, String.valueOf(i), Envelopes.order("c", i, i % 200, "created", 100 + i, lsn++));
        }
        for (int i = 0; i < 200; i++) {
            add(sent, bad, shipping, String.valueOf(i), Envelopes.shipment(UUID.randomUUID().toString(), "shipment.dispatched", i,
                    "ups", "2026-11-24T11:00:00Z"));
        }
        for (Map.Entry<String, List<String[]>> e : sent.entrySet()) {
            Topics.send(e.getKey(), e.getValue(), "source", "bad-input-test");
        }
        int badTotal = bad.values().stream().mapToInt(Set::size).sum();
        assertTrue(badTotal >= 80 && badTotal <= 110, "about 5% bad: " + badTotal);

        await("calls").atMost(Duration.ofSeconds(90)).until(() -> warehouse.count("SELECT count(*) FROM fact_call"), n -> n == validCallIds.size());
        await("customers").atMost(Duration.ofSeconds(30)).until(() -> warehouse.count("SELECT count(*) FROM dim_customer WHERE NOT is_inferred"),
                n -> n == 200 - bad.get(customers).size());
        await("orders").atMost(Duration.ofSeconds(30)).until(() -> warehouse.count("SELECT count(*) FROM fact_order WHERE status IS NOT NULL"),
                n -> n == 400 - bad.get(orders).size());
        await("shipments").atMost(Duration.ofSeconds(30)).until(() -> warehouse.count("SELECT count(*) FROM fact_order WHERE shipped_at IS NOT NULL"),
                n -> n == 200 - bad.get(shipping).size());
        Set<String> loadedIds = new HashSet<>();
        warehouse.rows("SELECT event_id::text AS id FROM fact_call").forEach(r -> loadedIds.add((String) r.get("id")));
        assertEquals(validCallIds, loadedIds);

        for (String topic : List.of(calls, customers, orders, shipping)) {
            Set<String> expected = bad.get(topic);
            List<ConsumerRecord<String, String>> dlq = Topics.readAll(topic + ".dlq", expected.size(), Duration.ofSeconds(30));
            Set<String> values = new HashSet<>();
            for (ConsumerRecord<String, String> r : dlq) {
                values.add(r.value());
                assertEquals("bad-input-test", header(r, "source"));
                assertEquals(topic, header(r, "tidewater.error.topic"));
                assertNotNull(header(r, "tidewater.error.message"));
                assertNotNull(header(r, "tidewater.error.class"));
                assertNotNull(header(r, "tidewater.error.partition"));
                assertNotNull(header(r, "tidewater.error.offset"));
                assertNotNull(header(r, "tidewater.error.time"));
                assertNotNull(r.key());
            }
            assertEquals(expected, values, "dead letters of " + topic);
        }

        ObjectName cache = new ObjectName(LoadBeans.CACHE_MBEAN);
        long hits = (Long) ManagementFactory.getPlatformMBeanServer().getAttribute(cache, "Hits");
        long misses = (Long) ManagementFactory.getPlatformMBeanServer().getAttribute(cache, "Misses");
        assertTrue(hits > 0 && misses > 0, "cache hits " + hits + ", misses " + misses);
    }

    /** Adds the record, replacing about one in twenty with one of the four kinds of bad input; true if it stayed valid. */
    private boolean add(Map<String, List<String[]>> sent, Map<String, Set<String>> bad, String topic, String key, String valid) {
        String value = valid;
        if (random.nextInt(20) == 0) {
            value = switch (random.nextInt(4)) {
                case 0 -> valid.substring(0, valid.length() / 2);                                   // broken JSON
                case 1 -> valid.replaceFirst("\"(customerId|orderId|id|lsn)\":", "\"x$1\":");       // a required field missing
                case 2 -> valid.replace("call.completed", "call.started").replace("shipment.dispatched", "shipment.lost")
                        .replace("\"op\":\"c\"", "\"op\":\"x\"");                                    // unknown type
                default -> valid.replace("\"}", "\",\"pad\":\"" + "x".repeat(5000) + "\"}");        // oversize
            };
            if (value.equals(valid)) {
                value = valid.substring(0, valid.length() - 1);
            }
            bad.computeIfAbsent(topic, t -> new HashSet<>()).add(value);
        }
        bad.computeIfAbsent(topic, t -> new HashSet<>());
        sent.computeIfAbsent(topic, t -> new ArrayList<>()).add(new String[] {key, value});
        return value.equals(valid);
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
