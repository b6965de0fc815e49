package io.tidewater.flow;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.tidewater.ops.FlowHealthChecks;
import io.tidewater.ops.PipelineStats;
import io.tidewater.testing.Envelopes;
import io.tidewater.testing.FlowFiles;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Topics;
import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Flow files saved and deleted under running flows. Issue 20, point 5: a statement that fails at run time for no
 * record's fault (a rollup's column renamed in the warehouse) makes every flow whose statement holds it DOWN with the
 * reason, the fact and the dimension whose fill-ins move the fact's groups; saving the fact's file fixed recovers both,
 * the dimension's batch being retried included, with no other file touched. Point 6: flow files in any order (a patch
 * before its fact, a fact before its dimension), and a deleted flow file stopping its flow and keeping its tables.
 */
class FlowReloadRouteTest extends LoadRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(90);

    // Set in settings(), which runs from the constructor: no field initializers.
    private String tickets;
    private String visits;
    private String notes;
    private String products;
    private Path routes;
    private RoutesWatcher watcher;

    @Override
    protected Path routesDir() {
        return routes;
    }

    @Override
    protected Map<String, String> settings() {
        tickets = TestNames.topic("tickets");
        visits = TestNames.topic("visits");
        notes = TestNames.topic("notes");
        products = TestNames.topic("products");
        try {
            Topics.ensure(tickets, tickets + ".dlq", visits, visits + ".dlq", notes, notes + ".dlq", products, products + ".dlq");
            routes = FlowFiles.shippedRoutes("reload-routes");
                        Files.writeString(routes.resolve("events-tickets.camel.yaml"), ticketsFlow("region"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Map.of();
    }

    /** Tickets looked up in the customers dimension, with a daily rollup whose region group is named as given. */
    private String ticketsFlow(String regionGroup) {
        return FlowFiles.flow("events-tickets", tickets, """
                format: json
                kind: fact
                table: fact_ticket
                key: ticket_id
                columns:
                  ticket_id: {field: id, type: bigint}
                  customer_id: {field: customerId, type: bigint}
                  opened_at: {field: openedAt, type: timestamptz}
                lookups:
                  customer: {column: customer_id, dimension: cdc-customers, into: customer_key}
                rollups:
                  agg_tickets_daily:
                    groupBy:
                      day: "date_trunc('day', opened_at, 'UTC')"
                      %s: "coalesce(customer.region, 'unknown')"
                    measures:
                      tickets: count
                """.formatted(regionGroup));
    }

    /** The same with a priority column, the given groups after the region and the given measures after tickets (YAML lines). */
    private String ticketsFlow(String groups, String measures) {
        // As the file has them: the properties are indented by 8.
        return ticketsFlow("region").replace("  opened_at: {field: openedAt, type: timestamptz}\n",
                        "  opened_at: {field: openedAt, type: timestamptz}\n" + "  priority: {field: priority, type: int, required: false}\n".indent(8))
                .replace("      region: \"coalesce(customer.region, 'unknown')\"\n", "      region: \"coalesce(customer.region, 'unknown')\"\n" + groups.indent(8))
                .replace("      tickets: count\n", "      tickets: count\n" + measures.indent(8));
    }

    /** Visits looked up, when given, in the products dimension (not shipped). */
    private String visitsFlow(boolean productLookup) {
        return FlowFiles.flow("events-visits", visits, """
                format: json
                kind: fact
                table: fact_visit
                key: visit_id
                columns:
                  visit_id: {field: id, type: bigint}
                  product_id: {field: productId, type: bigint}
                """ + (productLookup ? """
                lookups:
                  product: {column: product_id, dimension: cdc-products, into: product_key}
                """ : ""));
    }

    /** Notes patched onto visits, before or after the visit arrives. */
    private String notesFlow() {
        return FlowFiles.flow("events-visit-notes", notes, """
                format: json
                kind: patch
                table: fact_visit
                key: visit_id
                columns:
                  visit_id: {field: id, type: bigint}
                  note: {field: note, type: text}
                """);
    }

    /** Written aside and moved in one step, as editors save. */
    private void save(String name, String content) throws IOException {
        Path aside = routes.resolve(name + ".new");
        Files.writeString(aside, content);
        Files.move(aside, routes.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private boolean started(String route) {
        return context.getRoute(route) != null && context.getRouteController().getRouteStatus(route).isStarted();
    }

    @AfterEach
    void stopWatching() throws IOException {
        if (watcher != null) {
            watcher.close();
        }
    }

    private void sendTickets(long first, int n, long customer) throws Exception {
        List<String[]> records = new java.util.ArrayList<>();
        for (long id = first; id < first + n; id++) {
            records.add(new String[] {String.valueOf(id), "{\"id\":" + id + ",\"customerId\":" + customer + ",\"openedAt\":\"2026-11-24T10:00:00Z\"}"});
        }
        Topics.send(tickets, records, null, null);
    }

    /** agg_tickets_daily as its second group -> tickets (every ticket is of one day). */
    private Map<String, Long> rollup(String regionGroup) {
        Map<String, Long> out = new TreeMap<>();
        warehouse.rows("SELECT " + regionGroup + " AS g, tickets FROM agg_tickets_daily")
                .forEach(r -> out.put((String) r.get("g"), ((Number) r.get("tickets")).longValue()));
        return out;
    }

    private HealthCheck.Result health(FlowHealthChecks checks, String flow) {
        HealthCheck check = checks.stream().filter(c -> c.getId().equals("flow-" + flow)).findFirst().orElseThrow();
        return check.call();
    }

    @Test
    void aStatementFailingForNoRecordsFaultIsDownUntilTheFileIsFixedAndTheFixRecoversTheDimensionToo() throws Exception {
        Flows flows = context.getRegistry().findSingleByType(Flows.class);
        PipelineStats stats = context.getRegistry().findSingleByType(PipelineStats.class);
        FlowHealthChecks checks = new FlowHealthChecks(context, flows, stats, Map::of);
        watcher = new RoutesWatcher(context, flows, routes).start();

        Topics.send(customers, List.<String[]>of(new String[] {"1", Envelopes.customer("c", 1, "Ada", "smb", "emea", 100)}), null, null);
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM dim_customer WHERE customer_id = 1") == 1);
        sendTickets(1, 5, 1);
        sendTickets(6, 3, 2);
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_ticket") == 8);
        assertEquals(Map.of("emea", 5L, "unknown", 3L), rollup("region"));

        // The warehouse changes under the running flows: every statement that upserts the rollup fails.
        warehouse.execute("ALTER TABLE agg_tickets_daily RENAME COLUMN region TO area");
        sendTickets(9, 2, 1);
        Topics.send(customers, List.<String[]>of(new String[] {"2", Envelopes.customer("c", 2, "Bo", "smb", "amer", 200)}), null, null);
        for (String flow : List.of("events-tickets", "cdc-customers")) {
            await().atMost(WAIT).until(() -> health(checks, flow).getState() == HealthCheck.State.DOWN);
            String message = health(checks, flow).getMessage().orElse("");
            assertTrue(message.startsWith("flow " + flow + ": its batches fail since"), message);
            assertTrue(message.contains("column \"region\" of relation \"agg_tickets_daily\" does not exist"), message);
        }
        assertEquals(1, warehouse.count("SELECT count(*) FROM dim_customer WHERE customer_id = 2 AND is_inferred"), "not filled in yet");

        // The fact's file says what the warehouse has now: both flows recover, the customers' retried batch included.
        Path aside = routes.resolve("events-tickets.camel.yaml.new");
        Files.writeString(aside, ticketsFlow("area"));
        Files.move(aside, routes.resolve("events-tickets.camel.yaml"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM dim_customer WHERE customer_id = 2 AND is_inferred") == 0);
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_ticket") == 10);
        await().atMost(WAIT).untilAsserted(() -> assertEquals(Map.of("emea", 7L, "amer", 3L), rollup("area")));
        for (String flow : List.of("events-tickets", "cdc-customers")) {
            await().atMost(WAIT).until(() -> health(checks, flow).getState() == HealthCheck.State.UP);
        }
        assertEquals(0L, Topics.size(tickets + ".dlq"));
        assertEquals(0L, Topics.size(customers + ".dlq"));
    }

    @Test
    void aSecondFlowLoadingATableIsRefusedAndTheFlowsKeepRunning() throws Exception {
        Flows flows = context.getRegistry().findSingleByType(Flows.class);
        FlowSpec tickets = flows.flow("events-tickets");
        Path file = routes.resolve("events-tickets2.camel.yaml");
        Files.writeString(file, FlowFiles.flow("events-tickets2", visits, """
                format: json
                kind: fact
                table: fact_ticket
                key: ticket_id
                columns:
                  ticket_id: {field: id, type: bigint}
                  customer_id: {field: customerId, type: bigint}
                  opened_at: {field: openedAt, type: timestamptz}
                """));
        int line = Files.readAllLines(file).indexOf("        table: fact_ticket") + 1;
        FlowException refused = org.junit.jupiter.api.Assertions.assertThrows(FlowException.class, () -> flows.reloader().reload(file));
        assertEquals(file + ":" + line + ": flow 'events-tickets2' loads table fact_ticket, which flow 'events-tickets' loads already; "
                + "a table is loaded by one flow (a patch may update its columns)", refused.getMessage());
        assertTrue(flows.flow("events-tickets") == tickets, "the previous declarations keep running");
        assertTrue(!flows.all().containsKey("events-tickets2") && !flows.waiting().containsKey("events-tickets2"));
        assertEquals(null, context.getRoute("events-tickets2"));

        // A patch of the same table, from the same file, is what a patch is for.
        Files.writeString(file, FlowFiles.flow("events-tickets2", visits, """
                format: json
                kind: patch
                table: fact_ticket
                key: ticket_id
                columns:
                  ticket_id: {field: id, type: bigint}
                  note: {field: note, type: text, merge: latest}
                """));
        FlowReloader.Change change = flows.reloader().reload(file);
        assertEquals(List.of("events-tickets2"), change.started().stream().map(FlowSpec::name).toList());

        sendTickets(1, 3, 1);
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_ticket") == 3);
        await().atMost(WAIT).untilAsserted(() -> assertEquals(Map.of("unknown", 3L), rollup("region")));
    }

    @Test
    void aMeasureAndAGroupAddedToARollupByALiveReloadAreComputedForTheFactsBeforeAndAfter() throws Exception {
        Flows flows = context.getRegistry().findSingleByType(Flows.class);
        // Sent: ticket id -> {customer, priority or null}; no customer is known, so every ticket is in region 'unknown'.
        Map<Long, Long[]> sent = new TreeMap<>();
        sendTickets(1, 3, 1);
        sendTickets(4, 2, 2);
        for (long id = 1; id <= 5; id++) {
            sent.put(id, new Long[] {id <= 3 ? 1L : 2L, null});
        }
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_ticket") == 5);
        await().atMost(WAIT).untilAsserted(() -> assertEquals(Map.of("unknown", 5L), rollup("region")));

        // New measures: a sum of a column loaded before, and a sum of a new column that may be NULL.
        Path file = routes.resolve("events-tickets.camel.yaml");
        Files.writeString(file, ticketsFlow("", "      customer_sum: sum(customer_id)\n      priority_sum: sum(priority)\n"));
        FlowReloader.Change change = flows.reloader().reload(file);
        assertEquals(List.of("events-tickets"), change.reloaded().stream().map(FlowSpec::name).toList());
        assertEquals(expected(sent, false), measured(false), "the facts loaded before, recomputed");

        List<String[]> records = new java.util.ArrayList<>();
        long[][] more = {{6, 3, 2}, {7, 3, 5}, {8, 1, -1}};
        for (long[] t : more) {
            Long priority = t[2] < 0 ? null : t[2];
            sent.put(t[0], new Long[] {t[1], priority});
            records.add(new String[] {String.valueOf(t[0]), "{\"id\":" + t[0] + ",\"customerId\":" + t[1]
                    + ",\"openedAt\":\"2026-11-24T10:00:00Z\"" + (priority == null ? "" : ",\"priority\":" + priority) + "}"});
        }
        Topics.send(tickets, records, null, null);
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_ticket") == 8);
        await().atMost(WAIT).untilAsserted(() -> assertEquals(expected(sent, false), measured(false)));

        // A new group: the rollup's groups become finer, recomputed from the facts.
        Files.writeString(file, ticketsFlow("      customer: \"fact.customer_id\"\n",
                "      customer_sum: sum(customer_id)\n      priority_sum: sum(priority)\n"));
        flows.reloader().reload(file);
        assertEquals(expected(sent, true), measured(true), "the facts loaded before, recomputed");
        Topics.send(tickets, List.<String[]>of(new String[] {"9", "{\"id\":9,\"customerId\":2,\"openedAt\":\"2026-11-24T10:00:00Z\",\"priority\":4}"}),
                null, null);
        sent.put(9L, new Long[] {2L, 4L});
        await().atMost(WAIT).untilAsserted(() -> assertEquals(expected(sent, true), measured(true)));
        assertEquals(0L, Topics.size(tickets + ".dlq"));
    }

    /**
     * A measure added by saving the file while tickets stream in: the rollup, recomputed once the routes of the earlier
     * declaration have stopped, holds every ticket in the new measure too, none of the batches written around the save
     * left out.
     */
    @Test
    void aMeasureAddedWhileTicketsStreamInCountsEveryTicket() throws Exception {
        Flows flows = context.getRegistry().findSingleByType(Flows.class);
        watcher = new RoutesWatcher(context, flows, routes).start();
        int total = 20000;
        Thread producer = new Thread(() -> {
            try {
                for (long first = 1; first <= total; first += 100) {
                    List<String[]> records = new java.util.ArrayList<>();
                    for (long id = first; id < first + 100; id++) {
                        records.add(new String[] {String.valueOf(id), "{\"id\":" + id + ",\"customerId\":" + (id % 3 + 1)
                                + ",\"openedAt\":\"2026-11-24T10:00:00Z\"}"});
                    }
                    Topics.send(tickets, records, null, null);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "tickets-producer");
        producer.start();
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_ticket") >= 400);
        save("events-tickets.camel.yaml", ticketsFlow("region").replace("      tickets: count\n",
                "      tickets: count\n" + "      customer_sum: sum(customer_id)\n".indent(8)));
        // The save is taken while the tickets still stream in.
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
                + "AND table_name = 'agg_tickets_daily' AND column_name = 'customer_sum'") == 1);
        assertTrue(warehouse.count("SELECT count(*) FROM fact_ticket") < total, "the tickets still stream in at the save");
        producer.join(WAIT.toMillis());
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_ticket") == total);
        long customers = 0;
        for (long id = 1; id <= total; id++) {
            customers += id % 3 + 1;
        }
        String expected = "unknown|" + total + "|" + customers;
        await().atMost(WAIT).untilAsserted(() -> assertEquals(List.of(expected), warehouse.rows("SELECT region, tickets, customer_sum FROM agg_tickets_daily")
                .stream().map(r -> r.get("region") + "|" + r.get("tickets") + "|" + r.get("customer_sum")).toList()));
        assertEquals(0L, Topics.size(tickets + ".dlq"));
    }

    /** agg_tickets_daily's rows as "region|customer|tickets|customer_sum|priority_sum|priority_sum_count" (customer: by customer). */
    private List<String> measured(boolean byCustomer) {
        return warehouse.rows("SELECT region, " + (byCustomer ? "customer" : "NULL") + " AS customer, tickets, customer_sum, priority_sum, "
                + "priority_sum_count FROM agg_tickets_daily ORDER BY 1, 2").stream().map(r -> r.get("region") + "|" + r.get("customer") + "|"
                + r.get("tickets") + "|" + r.get("customer_sum") + "|" + r.get("priority_sum") + "|" + r.get("priority_sum_count")).toList();
    }

    /** The same rows computed from what was sent (all in region 'unknown', of one day). */
    private static List<String> expected(Map<Long, Long[]> sent, boolean byCustomer) {
        Map<Long, List<Long[]>> groups = new TreeMap<>();
        sent.values().forEach(t -> groups.computeIfAbsent(byCustomer ? t[0] : 0L, k -> new java.util.ArrayList<>()).add(t));
        List<String> out = new java.util.ArrayList<>();
        groups.forEach((customer, ts) -> {
            long customers = ts.stream().mapToLong(t -> t[0]).sum();
            List<Long> priorities = ts.stream().map(t -> t[1]).filter(java.util.Objects::nonNull).toList();
            out.add("unknown|" + (byCustomer ? customer : null) + "|" + ts.size() + "|" + customers + "|"
                    + (priorities.isEmpty() ? null : priorities.stream().mapToLong(Long::longValue).sum()) + "|" + priorities.size());
        });
        return out;
    }

    @Test
    void aPatchSavedBeforeItsFactWaitsForItAndBothLoad() throws Exception {
        Flows flows = context.getRegistry().findSingleByType(Flows.class);
        FlowHealthChecks checks = new FlowHealthChecks(context, flows, context.getRegistry().findSingleByType(PipelineStats.class), Map::of);
        watcher = new RoutesWatcher(context, flows, routes).start();

        save("events-visit-notes.camel.yaml", notesFlow());
        await().atMost(WAIT).until(() -> flows.waiting().containsKey("events-visit-notes"));
        assertEquals("a flow that loads fact_visit (the table it patches), and starts when one is declared",
                flows.waiting().get("events-visit-notes").reason());
        assertEquals("flow events-visit-notes waits for a flow that loads fact_visit (the table it patches), and starts when one is declared",
                health(checks, "events-visit-notes").getMessage().orElse(""));
        assertEquals(HealthCheck.State.DOWN, health(checks, "events-visit-notes").getState());
        assertEquals(null, context.getRoute("events-visit-notes"), "a waiting flow has no routes");
        Topics.send(notes, List.<String[]>of(new String[] {"1", "{\"id\":1,\"note\":\"first\"}"},
                new String[] {"3", "{\"id\":3,\"note\":\"third\"}"}), null, null);

        save("events-visits.camel.yaml", visitsFlow(false));
        await().atMost(WAIT).until(() -> started("events-visits") && started("events-visit-notes"));
        Topics.send(visits, List.<String[]>of(new String[] {"1", "{\"id\":1,\"productId\":7}"},
                new String[] {"2", "{\"id\":2,\"productId\":8}"}), null, null);
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_visit WHERE NOT is_placeholder") == 2);
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_visit WHERE note IS NOT NULL") == 2);
        assertEquals(List.of("1|7|first|false", "2|8|null|false", "3|null|third|true"), warehouse.rows(
                "SELECT visit_id, product_id, note, is_placeholder FROM fact_visit ORDER BY visit_id").stream()
                .map(r -> r.get("visit_id") + "|" + r.get("product_id") + "|" + r.get("note") + "|" + r.get("is_placeholder")).toList());
        await().atMost(WAIT).until(() -> health(checks, "events-visit-notes").getState() == HealthCheck.State.UP);
    }

    @Test
    void aFactSavedBeforeItsDimensionWaitsForIt() throws Exception {
        Flows flows = context.getRegistry().findSingleByType(Flows.class);
        watcher = new RoutesWatcher(context, flows, routes).start();

        save("events-visits.camel.yaml", visitsFlow(true));
        await().atMost(WAIT).until(() -> flows.waiting().containsKey("events-visits"));
        assertEquals("flow cdc-products (lookup 'product'), and starts when it is declared", flows.waiting().get("events-visits").reason());
        Topics.send(visits, List.<String[]>of(new String[] {"1", "{\"id\":1,\"productId\":7}"}), null, null);

        String dimension = Files.readString(Path.of("examples/flows/cdc-products.camel.yaml"))
                .replace("value: cdc.sales.public.products", "value: " + products);
        save("cdc-products.camel.yaml", dimension);
        await().atMost(WAIT).until(() -> started("events-visits") && started("cdc-products"));
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_visit v JOIN dim_product p ON p.product_key = v.product_key "
                + "WHERE p.product_id = 7 AND p.is_inferred") == 1);
        assertTrue(flows.waiting().isEmpty(), flows.waiting().toString());
    }

    @Test
    void aDeletedFlowFileStopsItsFlowKeepsItsTablesAndItsDependentsWaitForIt() throws Exception {
        Flows flows = context.getRegistry().findSingleByType(Flows.class);
        FlowHealthChecks checks = new FlowHealthChecks(context, flows, context.getRegistry().findSingleByType(PipelineStats.class), Map::of);
        watcher = new RoutesWatcher(context, flows, routes).start();
        sendTickets(1, 3, 1);
        await().atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_ticket") == 3);

        Files.delete(routes.resolve("events-tickets.camel.yaml"));
        await().atMost(WAIT).until(() -> context.getRoute("events-tickets") == null && context.getRoute(FlowSpec.applyRoute("events-tickets")) == null);
        // Its routes stop first, then the flows change.
        await().atMost(WAIT).until(() -> !flows.all().containsKey("events-tickets") && !flows.waiting().containsKey("events-tickets"));
        assertTrue(checks.stream().noneMatch(c -> c.getId().equals("flow-events-tickets")), "no check for a flow no longer declared");
        sendTickets(4, 2, 1);
        // Its table stays, and nothing loads it any more.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> warehouse.count("SELECT count(*) FROM fact_ticket") == 3);
        assertEquals(Map.of("unknown", 3L), rollup("region"));

        // The dimension a fact looks up is deleted: the fact waits for it, and starts when its file is back.
        String customers = Files.readString(routes.resolve("cdc-customers.camel.yaml"));
        Files.delete(routes.resolve("cdc-customers.camel.yaml"));
        await().atMost(WAIT).until(() -> flows.waiting().containsKey("events-calls"));
        assertEquals("flow cdc-customers (lookup 'customer'), and starts when it is declared", flows.waiting().get("events-calls").reason());
        assertEquals(null, context.getRoute("events-calls"));
        assertEquals(HealthCheck.State.DOWN, health(checks, "events-calls").getState());
        save("cdc-customers.camel.yaml", customers);
        await().atMost(WAIT).until(() -> started("events-calls") && started("cdc-customers"));
        await().atMost(WAIT).until(() -> health(checks, "events-calls").getState() == HealthCheck.State.UP);
    }
}
