package io.tidewater.replay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.tidewater.testing.Envelopes;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, point 10: dead letters are re-driven through their flow once the cause is fixed. Records that fail again go
 * back to the dead-letter topic with a re-drive count and their original position; re-driving twice adds nothing.
 */
class RedriveRouteTest extends LoadRouteTestSupport {

    @Test
    void deadLettersAreReappliedOnceTheCauseIsFixed() throws Exception {
        // A column the warehouse keeps narrower than the flow declares it (text): currency codes as CHAR(3).
        warehouse.execute("ALTER TABLE fact_order ALTER COLUMN currency TYPE char(3)");
        List<String[]> records = new ArrayList<>();
        Map<Long, String> fixable = new HashMap<>();
        String stillBad = null;
        for (int i = 0; i < 300; i++) {
            String value = Envelopes.order("c", i, i % 30, "created", 100 + i, 10 + i);
            if (i % 100 == 7) {
                value = value.replace("\"EUR\"", "\"EURO\"");           // too long for CHAR(3) until the column is widened
                fixable.put((long) i, value);
            } else if (i == 150) {
                value = value.replace("\"created\"", "\"cre\\u0000ated\"");  // a NUL byte: refused whatever the schema
                stillBad = value;
            }
            records.add(new String[] {String.valueOf(i), value});
        }
        Topics.send(orders, records, null, null);
        await().atMost(Duration.ofSeconds(60)).until(() -> warehouse.count(
                "SELECT coalesce(sum(next_offset), 0) FROM etl_offsets WHERE topic = '" + orders + "'") == 300);
        assertEquals(296, warehouse.count("SELECT count(*) FROM fact_order"));
        assertEquals(4, Topics.readAll(orders + ".dlq", 5, Duration.ofSeconds(5)).size());

        // The cause is fixed: the column takes longer currency codes. Re-drive the whole dead-letter topic.
        warehouse.execute("ALTER TABLE fact_order ALTER COLUMN currency TYPE text");
        String answer = replay().redrive(orders, "", "", "");
        assertTrue(answer.contains("redrive of " + orders + ".dlq") && answer.contains("4 records"), answer);
        await().atMost(Duration.ofSeconds(60)).until(() -> replay().getActive() == 0);
        assertTrue(replay().getReplays().get(0).contains("DONE"), replay().getReplays().toString());
        assertEquals(299, warehouse.count("SELECT count(*) FROM fact_order"));
        for (long id : fixable.keySet()) {
            assertEquals("EURO", warehouse.rows("SELECT currency FROM fact_order WHERE order_id = ?", id).get(0).get("currency"));
        }
        assertEquals(0, warehouse.count("SELECT count(*) FROM fact_order WHERE order_id = 150"));
        List<ConsumerRecord<String, String>> dlq = Topics.readAll(orders + ".dlq", 6, Duration.ofSeconds(5));
        assertEquals(5, dlq.size(), "the one that failed again is back, once");
        ConsumerRecord<String, String> back = dlq.stream().filter(r -> header(r, "tidewater.redrive.count") != null)
                .findFirst().orElseThrow();
        assertEquals(stillBad, back.value());
        assertEquals("150", back.key());
        assertEquals("1", header(back, "tidewater.redrive.count"));
        assertEquals(orders, header(back, "tidewater.error.topic"), "where it first came from");
        assertEquals(header(original(dlq, stillBad), "tidewater.error.offset"), header(back, "tidewater.error.offset"));
        assertTrue(header(back, "tidewater.error.sqlstate").startsWith("22"));

        // Re-driving again changes nothing in the warehouse.
        String before = checksum();
        assertTrue(replay().redrive(orders, "", "", "").contains("5 records"));
        await().atMost(Duration.ofSeconds(60)).until(() -> replay().getActive() == 0);
        assertEquals(before, checksum());
        assertEquals(299, warehouse.count("SELECT count(*) FROM fact_order"));
    }

    private String checksum() {
        return String.valueOf(warehouse.rows("SELECT md5(string_agg(f::text, ',' ORDER BY order_id)) AS m FROM fact_order f").get(0).get("m"));
    }

    private static ConsumerRecord<String, String> original(List<ConsumerRecord<String, String>> dlq, String value) {
        return dlq.stream().filter(r -> r.value().equals(value) && header(r, "tidewater.redrive.count") == null).findFirst().orElseThrow();
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
