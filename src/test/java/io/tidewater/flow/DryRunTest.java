package io.tidewater.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidewater.LoadBeans;
import io.tidewater.config.TidewaterConfig;
import io.tidewater.testing.FlowFiles;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Warehouse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, point 5: a mapping mistake is caught before it runs. The dry run makes the tables ready and runs every
 * generated statement in a transaction it rolls back; what PostgreSQL refuses is reported at the line of the group,
 * expression or column its error points into, and nothing stays in the warehouse.
 */
@ExtendWith(SharedInfrastructure.class)
class DryRunTest {

    private static final String TICKETS = """
            format: json
            kind: fact
            table: fact_ticket
            key: ticket_id
            columns:
              ticket_id: {field: id, type: bigint}
              customer_id: {field: customerId, type: bigint}
              opened_at: {field: openedAt, type: timestamptz}
              channel: {field: channel, type: text}
              priority: {field: priority, type: int, required: false, expression: "least(priority, 5)"}
            lookups:
              customer: {column: customer_id, dimension: cdc-customers, into: customer_key}
            rollups:
              agg_tickets_daily:
                groupBy:
                  day: "date_trunc('day', opened_at, 'UTC')"
                  region: "coalesce(customer.region, 'unknown')"
                measures:
                  tickets: count
            """;

    @TempDir
    Path dir;

    /** The shipped customers dimension and a tickets fact (these properties) that looks it up. */
    private List<FlowSpec> flows(String tickets) throws Exception {
        Path file = dir.resolve("events-tickets.camel.yaml");
        Files.writeString(file, FlowFiles.flow("events-tickets", "tickets", tickets));
        List<FlowSpec> all = new ArrayList<>(new FlowReader(v -> v.replaceAll("\\{\\{([^}]+)}}", "$1").replaceAll(".*(size|seconds)$", "1"))
                .read(Path.of("routes/cdc-customers.camel.yaml")));
        all.addAll(new FlowReader(v -> v).read(file));
        return all;
    }

    private int lineOf(String text) throws Exception {
        return Files.readAllLines(dir.resolve("events-tickets.camel.yaml")).stream().takeWhile(l -> !l.contains(text)).toList().size() + 1;
    }

    @Test
    void theShippedFlowsPass() throws Exception {
        List<FlowSpec> shipped = Flows.read(Path.of("routes"), v -> v.replaceAll("\\{\\{([^}]+)}}", "$1").replaceAll(".*(size|seconds)$", "1"));
        try (Warehouse w = Warehouse.create(TestNames.schema("dry"))) {
            DryRun.Result r = DryRun.run(w.dataSource(), shipped);
            assertEquals(List.of(), r.refusals());
            assertEquals(4 + 2, r.statements(), "one per flow, and the dimension's inferred members and newest versions");
        }
    }

    @Test
    void aGroupNamingAMissingColumnIsRefusedAtItsLineAndNothingStays() throws Exception {
        List<FlowSpec> broken = flows(TICKETS.replace("date_trunc('day', opened_at, 'UTC')", "date_trunc('day', no_such_column)"));
        Path file = dir.resolve("events-tickets.camel.yaml");
        try (Warehouse w = Warehouse.create(TestNames.schema("dry"))) {
            // A new rollup: its table cannot be made.
            List<DryRun.Refusal> refused = DryRun.run(w.dataSource(), broken).refusals();
            assertEquals(1, refused.size(), refused.toString());
            assertEquals("events-tickets", refused.get(0).flow().name());
            String message = refused.get(0).error().getMessage();
            assertTrue(message.startsWith(file + ":" + lineOf("day: \"date_trunc") + ": flow 'events-tickets', rollup agg_tickets_daily, "
                    + "group 'day': column \"no_such_column\" does not exist"), message);
            assertEquals(0, w.count("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename IN "
                    + "('fact_ticket', 'agg_tickets_daily')"), "the dry run's tables were rolled back");

            // A rollup that exists: its group changed in the file. Both its fact's statement and the dimension's moves
            // of its groups fail: said once.
            FlowTables.prepare(w.dataSource(), flows(TICKETS));
            refused = DryRun.run(w.dataSource(), broken).refusals();
            assertEquals(1, refused.size(), refused.toString());
            assertTrue(refused.get(0).error().getMessage().startsWith(file + ":" + lineOf("day: \"date_trunc")
                    + ": flow 'events-tickets', rollup agg_tickets_daily, group 'day': column \"no_such_column\" does not exist"),
                    refused.get(0).error().getMessage());
        }
    }

    @Test
    void theStartRefusesABrokenGroupBeforeAnythingIsBound() throws Exception {
        Path routes = dir.resolve("routes");
        Files.createDirectories(routes);
        Files.copy(Path.of("routes/cdc-customers.camel.yaml"), routes.resolve("cdc-customers.camel.yaml"));
        Files.writeString(routes.resolve("events-tickets.camel.yaml"), FlowFiles.flow("events-tickets", "tickets",
                TICKETS.replace("date_trunc('day', opened_at, 'UTC')", "date_trunc('day', no_such_column)")));
        Map<String, String> settings = new HashMap<>();
        Properties shipped = new Properties();
        try (var in = Files.newBufferedReader(Path.of("application.properties"))) {
            shipped.load(in);
        }
        shipped.stringPropertyNames().forEach(k -> settings.put(k, shipped.getProperty(k)));
        Map<String, Object> bound = new HashMap<>();
        try (Warehouse w = Warehouse.create(TestNames.schema("dry"))) {
            FlowException e = assertThrows(FlowException.class, () -> LoadBeans.bind(bound::put, w.dataSource(), TidewaterConfig.of(settings),
                    new SimpleMeterRegistry(), SharedInfrastructure.get().bootstrapServers(), routes));
            int line = Files.readAllLines(routes.resolve("events-tickets.camel.yaml")).stream().takeWhile(l -> !l.contains("day: \"date_trunc"))
                    .toList().size() + 1;
            assertTrue(e.getMessage().startsWith(routes.resolve("events-tickets.camel.yaml") + ":" + line + ": flow 'events-tickets', rollup "
                    + "agg_tickets_daily, group 'day': column \"no_such_column\" does not exist"), e.getMessage());
            assertTrue(bound.isEmpty(), bound.keySet().toString());
            assertEquals(0, w.count("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'fact_ticket'"));
        }
    }

    @Test
    void anExpressionAndAColumnTheTableLostAreRefusedAtTheirLines() throws Exception {
        Path file = dir.resolve("events-tickets.camel.yaml");
        try (Warehouse w = Warehouse.create(TestNames.schema("dry"))) {
            List<DryRun.Refusal> refused = DryRun.run(w.dataSource(), flows(TICKETS.replace("least(priority, 5)", "least(priority, no_such_limit)")))
                    .refusals();
            assertEquals(1, refused.size(), refused.toString());
            assertTrue(refused.get(0).error().getMessage().startsWith(file + ":" + lineOf("priority: {field") + ": flow 'events-tickets', "
                    + "column 'priority', expression: column \"no_such_limit\" does not exist"), refused.get(0).error().getMessage());

            // Someone renamed a key column of the rollup (a start gives a rollup the groups and measures it lacks, but no
            // group in place of a key column no longer declared): the group's line is named.
            FlowTables.prepare(w.dataSource(), flows(TICKETS));
            w.execute("ALTER TABLE agg_tickets_daily RENAME COLUMN region TO area");
            refused = DryRun.run(w.dataSource(), flows(TICKETS)).refusals();
            assertEquals(1, refused.size(), refused.toString());
            assertTrue(refused.get(0).error().getMessage().startsWith(file + ":" + lineOf("region: \"coalesce") + ": flow 'events-tickets', "
                    + "rollup agg_tickets_daily, group 'region': column \"region\" of relation \"agg_tickets_daily\" does not exist"),
                    refused.get(0).error().getMessage());
            assertEquals(List.of(), DryRun.run(w.dataSource(), flows(TICKETS.replace("region: \"coalesce", "area: \"coalesce"))).refusals(),
                    "declared as the table has it");
        }
    }
}
