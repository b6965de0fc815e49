package io.tidewater.replay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.tidewater.testing.ExpectedWarehouse;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.Topics;
import io.tidewater.testing.Workload;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Replays on the real load routes: by time under live traffic, by offset on one partition, side replays, bad requests. */
class ReplayRouteTest extends LoadRouteTestSupport {

    /** Two consumers on calls and on customers: replays and the aggregate are checked with batches written concurrently. */
    @Override
    protected Map<String, String> settings() {
        return Map.of("tidewater.load.consumers.calls", "2", "tidewater.load.consumers.customers", "2");
    }

    private static final Duration WAIT = Duration.ofSeconds(120);

    /** Records loaded by the main load so far: the sum of its positions in etl_offsets (topics start at 0). */
    private long loaded() {
        return ((Number) warehouse.rows("SELECT coalesce(sum(next_offset), 0) AS n FROM etl_offsets WHERE consumer_group = ?", group)
                .get(0).get("n")).longValue();
    }

    /** A digest of the fact and dimension tables by natural keys (surrogate keys and load times left out). */
    private String checksum(String callFilter) {
        return (String) warehouse.rows("SELECT md5(string_agg(x, '|' ORDER BY x)) AS sum FROM ("
                + " SELECT 'c' || f.event_id || f.customer_id || f.agent_id || f.started_at || f.duration_sec || f.outcome"
                + "   || d.customer_id || d.valid_from AS x"
                + "   FROM fact_call f JOIN dim_customer d ON d.customer_key = f.customer_key WHERE " + callFilter
                + " UNION ALL SELECT 'd' || customer_id || coalesce(name, '') || segment || region || is_current || is_inferred"
                + "   || valid_from || coalesce(valid_to::text, '') FROM dim_customer"
                + " UNION ALL SELECT 'o' || o.order_id || coalesce(o.status, '') || coalesce(o.total_cents::text, '') || o.deleted"
                + "   || coalesce(o.shipped_at::text, '') || coalesce(o.delivered_at::text, '') || coalesce(o.carrier, '')"
                + "   || coalesce(d.customer_id::text, '') FROM fact_order o LEFT JOIN dim_customer d ON d.customer_key = o.customer_key"
                + ") t").get(0).get("sum");
    }

    private void loadAll(Workload w) throws Exception {
        long before = loaded();
        Topics.send(customers, w.customerRecords, null, null);
        Topics.send(orders, w.orderRecords, null, null);
        Topics.send(shipping, w.shippingRecords, null, null);
        Topics.send(calls, w.callRecords, null, null);
        long expected = before + w.customerRecords.size() + w.orderRecords.size() + w.shippingRecords.size() + w.callRecords.size();
        await().atMost(WAIT).until(() -> loaded() == expected);
    }

    @Test
    void replayByTimeUnderLiveTrafficConvergesToTheSameWarehouse() throws Exception {
        Workload first = new Workload(11, 200, 300, 200, 300, 3000, 200);
        loadAll(first);
        String before = checksum("f.event_id::text LIKE '00000000-0000-000b-%'");
        Instant t = Instant.now();
        // Every topic from a time before all of it (the whole history), while new calls keep arriving.
        Workload live = new Workload(12, 200, 0, 0, 0, 2000, 0);
        Topics.send(calls, live.callRecords.subList(0, 1000), null, null);
        String answer = replay().replay(String.join(",", calls, customers, orders, shipping), "",
                t.minusSeconds(3600).toString(), "", "live");
        assertTrue(answer.startsWith("Replay "), answer);
        Topics.send(calls, live.callRecords.subList(1000, 2000), null, null);
        await().atMost(WAIT).until(() -> replay().getActive() == 0 && loaded() == first.customerRecords.size()
                + first.orderRecords.size() + first.shippingRecords.size() + first.callRecords.size() + 2000);
        assertTrue(replay().getReplays().get(0).contains("DONE"), replay().getReplays().toString());

        // The first workload's content is unchanged by its replay, and the whole warehouse is what loading
        // both workloads once gives.
        assertEquals(before, checksum("f.event_id::text LIKE '00000000-0000-000b-%'"));
        first.calls.putAll(live.calls);
        try (Connection c = warehouse.dataSource().getConnection()) {
            ExpectedWarehouse.verify(c, warehouse.schema(), first);
        }
    }

    @Test
    void replayByOffsetOnOnePartitionReloadsExactlyThatRange() throws Exception {
        Workload w = new Workload(21, 100, 100, 0, 0, 2000, 0);
        loadAll(w);
        List<ConsumerRecord<String, String>> records = Topics.readAll(calls, w.callRecords.size(), WAIT);
        // Damage every call in the EDW, as a bad load would, then repair partition 1 from offset 100 onwards.
        warehouse.rows("UPDATE fact_call SET outcome = 'damaged' RETURNING 1");
        String answer = replay().replay(calls, "1", "100", "", "");
        assertTrue(answer.contains("[1: 100.."), answer);
        Set<String> repaired = new HashSet<>();
        Set<String> untouched = new HashSet<>();
        for (ConsumerRecord<String, String> r : records) {
            String id = r.value().replaceAll(".*\"eventId\":\"([^\"]+)\".*", "$1");
            (r.partition() == 1 && r.offset() >= 100 ? repaired : untouched).add(id);
        }
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_call WHERE outcome <> 'damaged'") == repaired.size());
        await().atMost(WAIT).until(() -> replay().getActive() == 0);
        for (Map<String, Object> row : warehouse.rows("SELECT event_id::text AS id, outcome FROM fact_call")) {
            String expected = repaired.contains((String) row.get("id")) ? w.calls.get((String) row.get("id")).outcome() : "damaged";
            assertEquals(expected, row.get("outcome"), "call " + row.get("id"));
        }
        assertEquals(w.callRecords.size(), repaired.size() + untouched.size());
    }

    @Test
    void sideReplayReadsItsRangeUnderItsOwnGroupAndStops() throws Exception {
        Workload w = new Workload(31, 100, 100, 0, 0, 3000, 0);
        loadAll(w);
        Map<String, Object> mainPositions = offsets(group);
        warehouse.rows("UPDATE fact_call SET outcome = 'damaged' RETURNING 1");
        // Partition 0, offsets [200, 500): exactly 300 calls are repaired, by a consumer of its own.
        List<ConsumerRecord<String, String>> records = Topics.readAll(calls, w.callRecords.size(), WAIT);
        Set<String> inRange = new HashSet<>();
        for (ConsumerRecord<String, String> r : records) {
            if (r.partition() == 0 && r.offset() >= 200 && r.offset() < 500) {
                inRange.add(r.value().replaceAll(".*\"eventId\":\"([^\"]+)\".*", "$1"));
            }
        }
        String answer = replay().replay(calls, "0", "200", "500", "side");
        assertTrue(answer.contains("side replay") && answer.contains("300 records"), answer);
        await().atMost(WAIT).until(() -> replay().getActive() == 0);
        assertEquals(300, inRange.size());
        List<Object> repaired = new ArrayList<>();
        warehouse.rows("SELECT event_id::text AS id FROM fact_call WHERE outcome <> 'damaged'").forEach(r -> repaired.add(r.get("id")));
        assertEquals(inRange, new HashSet<>(repaired));
        // It recorded its own position, left the main load's alone, and its route is gone.
        assertEquals(mainPositions, offsets(group));
        List<Map<String, Object>> side = warehouse.rows(
                "SELECT consumer_group, partition, next_offset FROM etl_offsets WHERE consumer_group LIKE ?", group + ".replay-%");
        assertEquals(1, side.size(), side.toString());
        assertEquals(500L, ((Number) side.get(0).get("next_offset")).longValue());
        await().atMost(Duration.ofSeconds(30)).until(() -> context.getRoutes().stream().noneMatch(r -> r.getId().startsWith("replay-side-")));
    }

    @Test
    void invalidRequestsFailWithTheReasonAndChangeNothing() throws Exception {
        Workload w = new Workload(41, 50, 50, 0, 0, 600, 0);
        loadAll(w);
        Map<String, Object> positions = offsets(group);
        String content = checksum("true");
        String end = String.valueOf(Topics.readAll(calls, w.callRecords.size(), WAIT).stream()
                .filter(r -> r.partition() == 0).count());

        assertMessage("unknown topic 'no.such.topic'", () -> replay().replay("no.such.topic", "", "beginning", "", ""));
        assertMessage("is past the end of " + calls + "-0", () -> replay().replay(calls, "0", "999999", "", ""));
        assertMessage("is after the end", () -> replay().replay(calls, "0", "5", "3", ""));
        assertMessage("is after the end", () -> replay().replay(calls, "", "2026-11-24T12:00:00Z", "2026-11-24T11:00:00Z", ""));
        assertMessage("has no partition 7", () -> replay().replay(calls, "7", "beginning", "", ""));
        assertMessage("neither an offset, a time", () -> replay().replay(calls, "", "yesterday", "", ""));
        assertMessage("mode 'sideways' is unknown", () -> replay().replay(calls, "", "beginning", "", "sideways"));
        assertMessage("nothing to replay", () -> replay().replay(calls, "0", end, "", ""));
        String other = io.tidewater.testing.TestNames.topic("unloaded");
        Topics.ensure(other);
        assertMessage("is not loaded by Tidewater", () -> replay().replay(other, "", "beginning", "", ""));

        // A second replay of a topic while one is running is refused; the running one is not disturbed.
        replay().replay(calls, "", "beginning", "", "side");
        assertMessage("is still running", () -> replay().replay(calls, "", "beginning", "", "live"));
        await().atMost(WAIT).until(() -> replay().getActive() == 0);

        assertEquals(positions, offsets(group));
        assertEquals(content, checksum("true"));
        assertFalse(replay().getReplays().stream().anyMatch(r -> r.contains("RUNNING")));
    }

    private Map<String, Object> offsets(String consumerGroup) {
        Map<String, Object> m = new java.util.TreeMap<>();
        warehouse.rows("SELECT topic, partition, next_offset FROM etl_offsets WHERE consumer_group = ?", consumerGroup)
                .forEach(r -> m.put(r.get("topic") + "/" + r.get("partition"), r.get("next_offset")));
        return m;
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable request) {
        ReplayException e = assertThrows(ReplayException.class, request);
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}
