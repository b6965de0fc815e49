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
import java.util.stream.Stream;

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
 * Issue 20, point 5: a statement that fails at run time for no record's fault (a rollup's column renamed in the
 * warehouse) makes every flow whose statement holds it DOWN with the reason, the fact and the dimension whose fill-ins
 * move the fact's groups; saving the fact's file fixed recovers both, the dimension's batch being retried included,
 * with no other file touched.
 */
class FlowReloadRouteTest extends LoadRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(90);

    // Set in settings(), which runs from the constructor: no field initializers.
    private String tickets;
    private Path routes;
    private RoutesWatcher watcher;

    @Override
    protected Path routesDir() {
        return routes;
    }

    @Override
    protected Map<String, String> settings() {
        tickets = TestNames.topic("tickets");
        try {
            Topics.ensure(tickets, tickets + ".dlq");
            routes = Files.createTempDirectory(Path.of("target"), "reload-routes");
            try (Stream<Path> shipped = Files.list(Path.of("routes"))) {
                for (Path f : shipped.toList()) {
                    Files.copy(f, routes.resolve(f.getFileName()));
                }
            }
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
}
