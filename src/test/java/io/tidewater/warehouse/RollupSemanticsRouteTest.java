package io.tidewater.warehouse;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.tidewater.testing.Envelopes;
import io.tidewater.testing.FlowFiles;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Topics;
import org.junit.jupiter.api.Test;

/**
 * Issue 20, "Rollups exact under every order": a user's fact with a lookup and a daily rollup that sums an optional field,
 * and a patch of the same table fed by a second topic. The rollup follows SQL's sum (NULLs skipped, NULL when a group
 * has no value), and a patch that arrives before its fact is no fact until the fact comes. Every expected group is
 * computed here from the records produced.
 */
class RollupSemanticsRouteTest extends LoadRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(90);

    // Set in settings(), which runs from the constructor: no field initializers.
    private String tickets;
    private String closures;
    private Path routes;

    @Override
    protected Path routesDir() {
        return routes;
    }

    @Override
    protected Map<String, String> settings() {
        tickets = TestNames.topic("tickets");
        closures = TestNames.topic("closures");
        try {
            Topics.ensure(tickets, tickets + ".dlq", closures, closures + ".dlq");
            routes = FlowFiles.shippedRoutes("rollup-routes");
                        Files.writeString(routes.resolve("events-tickets.camel.yaml"), FlowFiles.flow("events-tickets", tickets, """
                    format: json
                    kind: fact
                    table: fact_ticket
                    key: ticket_id
                    columns:
                      ticket_id: {field: id, type: bigint}
                      customer_id: {field: customerId, type: bigint}
                      opened_at: {field: openedAt, type: timestamptz}
                      csat: {field: csat, type: int, required: false, min: 1, max: 5}
                    lookups:
                      customer: {column: customer_id, dimension: cdc-customers, into: customer_key}
                    rollups:
                      agg_tickets_daily:
                        groupBy:
                          day: "date_trunc('day', opened_at, 'UTC')"
                          region: "coalesce(customer.region, 'unknown')"
                        measures:
                          tickets: count
                          csat_total: sum(csat)
                    """));
            Files.writeString(routes.resolve("events-ticket-closures.camel.yaml"), FlowFiles.flow("events-ticket-closures", closures, """
                    format: json
                    kind: patch
                    table: fact_ticket
                    key: ticket_id
                    columns:
                      ticket_id: {field: id, type: bigint}
                      closed_at: {field: closedAt, type: timestamptz, merge: latest}
                    """));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Map.of();
    }

    /** One ticket event as produced; csat null: the field absent (even ids) or JSON null (odd ids). */
    private record Ticket(long id, long customer, Instant openedAt, Integer csat) {

        String json() {
            String csatField = csat != null ? ",\"csat\":" + csat : id % 2 == 0 ? "" : ",\"csat\":null";
            return "{\"id\":" + id + ",\"customerId\":" + customer + ",\"openedAt\":\"" + openedAt + "\"" + csatField + "}";
        }
    }

    /** (day, region) → [tickets, csat_total or null], as SQL's count and sum over the newest record of each ticket. */
    private static Map<List<Object>, List<Object>> expected(List<Ticket> produced, Map<Long, String> regions) {
        Map<Long, Ticket> newest = new LinkedHashMap<>();
        produced.forEach(t -> newest.put(t.id(), t));
        Map<List<Object>, List<Object>> groups = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        for (Ticket t : newest.values()) {
            List<Object> g = List.of(t.openedAt().truncatedTo(ChronoUnit.DAYS), regions.getOrDefault(t.customer(), "unknown"));
            List<Object> m = groups.computeIfAbsent(g, k -> new ArrayList<>(java.util.Arrays.asList(0L, null)));
            m.set(0, (Long) m.get(0) + 1);
            if (t.csat() != null) {
                m.set(1, m.get(1) == null ? (long) t.csat() : (Long) m.get(1) + t.csat());
            }
        }
        return groups;
    }

    private Map<List<Object>, List<Object>> rollup() {
        Map<List<Object>, List<Object>> groups = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        for (Map<String, Object> r : warehouse.rows("SELECT day, region, tickets, csat_total FROM agg_tickets_daily")) {
            Object total = r.get("csat_total");
            groups.put(List.of(((java.sql.Timestamp) r.get("day")).toInstant(), r.get("region")),
                    new ArrayList<>(java.util.Arrays.asList(((Number) r.get("tickets")).longValue(),
                            total == null ? null : ((Number) total).longValue())));
        }
        return groups;
    }

    private static void send(String topic, List<String[]> records) throws Exception {
        Topics.send(topic, records, null, null);
    }

    @Test
    void sumsFollowSqlOverAnOptionalFieldThroughUpdatesAndFillIns() throws Exception {
        Instant day1 = Instant.parse("2026-11-02T09:00:00Z");
        Instant day2 = Instant.parse("2026-11-03T15:30:00Z");
        Map<Long, String> regions = new HashMap<>();
        // Customer 1 is known before its tickets, customer 2 only after (its tickets go to 'unknown', then move).
        send(customers, List.<String[]>of(new String[] {"1", Envelopes.customer("c", 1, "Ada", "smb", "emea", 100)}));
        regions.put(1L, "emea");
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM dim_customer WHERE customer_id = 1") == 1);

        List<Ticket> produced = new ArrayList<>(List.of(
                new Ticket(1, 1, day1, 4), new Ticket(2, 1, day1, null), new Ticket(3, 1, day1.plusSeconds(60), 5),
                new Ticket(4, 2, day1, null), new Ticket(5, 2, day1.plusSeconds(3600), null),
                new Ticket(6, 1, day2, null), new Ticket(7, 3, day2, 2)));
        send(tickets, produced.stream().map(t -> new String[] {String.valueOf(t.id()), t.json()}).toList());
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_ticket") == 7);
        await().atMost(WAIT).untilAsserted(() -> assertEquals(expected(produced, regions), rollup()));
        // Day 1, customer 2: two tickets, no csat at all: a NULL sum, as SQL's.
        assertNull(rollup().get(List.of(day1.truncatedTo(ChronoUnit.DAYS), "unknown")).get(1));

        // Replayed records with other values: a value becomes NULL, a NULL becomes a value, a ticket moves to another day.
        List<Ticket> changed = List.of(new Ticket(1, 1, day1, null), new Ticket(6, 1, day2, 3), new Ticket(3, 1, day2, 5),
                new Ticket(7, 3, day2, null));
        produced.addAll(changed);
        send(tickets, changed.stream().map(t -> new String[] {String.valueOf(t.id()), t.json()}).toList());
        await().atMost(WAIT).untilAsserted(() -> assertEquals(expected(produced, regions), rollup()));

        // Customer 2 arrives: its inferred member is filled in and its tickets move to its region, NULL sums included.
        send(customers, List.<String[]>of(new String[] {"2", Envelopes.customer("c", 2, "Bo", "smb", "amer", 200)}));
        regions.put(2L, "amer");
        await().atMost(WAIT).untilAsserted(() -> assertEquals(expected(produced, regions), rollup()));
        assertEquals(0L, Topics.size(tickets + ".dlq"));
    }

    @Test
    void aPatchBeforeItsFactIsNoFactUntilTheFactComes() throws Exception {
        Instant opened = Instant.parse("2026-11-05T08:00:00Z");
        send(closures, List.<String[]>of(new String[] {"100", "{\"id\":100,\"closedAt\":\"2026-11-05T09:00:00Z\"}"},
                new String[] {"101", "{\"id\":101,\"closedAt\":\"2026-11-05T10:00:00Z\"}"}));
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_ticket WHERE closed_at IS NOT NULL") == 2);
        assertEquals(0, warehouse.count("SELECT count(*) FROM agg_tickets_daily"), "a placeholder is counted by no rollup");

        List<Ticket> produced = List.of(new Ticket(100, 9, opened, 3), new Ticket(102, 9, opened, 5));
        send(tickets, produced.stream().map(t -> new String[] {String.valueOf(t.id()), t.json()}).toList());
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_ticket WHERE opened_at IS NOT NULL") == 2);
        await().atMost(WAIT).untilAsserted(() -> assertEquals(expected(produced, Map.of()), rollup()));
        Map<String, Object> row = warehouse.rows("SELECT * FROM fact_ticket WHERE ticket_id = 100").get(0);
        assertEquals(Instant.parse("2026-11-05T09:00:00Z"), ((java.sql.Timestamp) row.get("closed_at")).toInstant(), "the patch stays");
        assertEquals(9L, ((Number) row.get("customer_id")).longValue());
        assertNotNull(row.get("customer_key"), "the fact's lookup is stored over the placeholder");
        assertEquals(false, row.get("is_placeholder"));
        assertEquals(true, warehouse.rows("SELECT is_placeholder FROM fact_ticket WHERE ticket_id = 101").get(0).get("is_placeholder"));

        // The customer arrives: the filled-in member moves exactly the two facts, not the placeholder.
        send(customers, List.<String[]>of(new String[] {"9", Envelopes.customer("c", 9, "Cy", "smb", "apac", 300)}));
        await().atMost(WAIT).untilAsserted(() -> assertEquals(expected(produced, Map.of(9L, "apac")), rollup()));
        assertEquals(0L, Topics.size(tickets + ".dlq"));
        assertEquals(0L, Topics.size(closures + ".dlq"));
    }
}
