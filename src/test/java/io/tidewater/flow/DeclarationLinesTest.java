package io.tidewater.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.tidewater.testing.FlowFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, point 5: an error in a flow file points at the line of the key at fault (a rollup's group or measure, a
 * lookup, a property, the topic parameter), not at the declaration bean's line.
 */
class DeclarationLinesTest {

    private static final String CUSTOMERS = """
            format: debezium
            kind: dimension
            table: dim_customer
            key: customer_id
            surrogateKey: customer_key
            tracked: region
            columns:
              customer_id: {field: id, type: bigint}
              region: {field: region, type: text, required: false}
            """;

    @TempDir
    Path dir;

    /** The file of a flow, written into the test's directory. */
    private Path write(String name, String topic, String properties) throws Exception {
        Path file = dir.resolve(name + ".camel.yaml");
        Files.writeString(file, FlowFiles.flow(name, topic, properties));
        return file;
    }

    /** The 1-based line of the first line of a file that contains text. */
    private static int lineOf(Path file, String text) throws Exception {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(text + " is not in " + file);
    }

    /** The message of the FlowException that reading and checking these files together throws. */
    private static String refused(Path... files) {
        return assertThrows(FlowException.class, () -> {
            List<FlowSpec> all = new ArrayList<>();
            for (Path f : files) {
                all.addAll(new FlowReader(v -> v).read(f));
            }
            new Flows(all);
        }).getMessage();
    }

    @Test
    void aRollupGroupAndMeasureAndALookupCarryTheirOwnLines() throws Exception {
        Path file = write("events-tickets", "tickets", """
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
                      region: "coalesce(customer.region, 'unknown')"
                    measures:
                      tickets: count
                """);
        FlowSpec f = new FlowReader(v -> v).read(file).get(0);
        FlowSpec.Rollup r = f.rollups().get(0);
        assertEquals(lineOf(file, "agg_tickets_daily:"), r.line());
        assertEquals(lineOf(file, "day: \"date_trunc"), r.lineOf("day"));
        assertEquals(lineOf(file, "region: \"coalesce"), r.lineOf("region"));
        assertEquals(lineOf(file, "tickets: count"), r.lineOf("tickets"));
        assertEquals(lineOf(file, "customer: {column"), f.lookups().get(0).line());
        assertEquals(lineOf(file, "kind: fact"), f.line("kind"));
        assertEquals(lineOf(file, "topic: \"tickets\""), f.line("topic"));
        assertEquals(f.line(), f.line("scd"), "a property the file does not state: the bean's line");
    }

    @Test
    void patchesOfATableLoadedByAnotherFlowAreNotASecondLoader() throws Exception {
        Path tickets = write("events-tickets", "tickets", """
                format: json
                kind: fact
                table: fact_ticket
                key: ticket_id
                columns:
                  ticket_id: {field: id, type: bigint}
                """);
        List<FlowSpec> all = new ArrayList<>(new FlowReader(v -> v).read(tickets));
        for (String name : List.of("events-ticket-notes", "events-ticket-closures")) {
            all.addAll(new FlowReader(v -> v).read(write(name, name, """
                    format: json
                    kind: patch
                    table: fact_ticket
                    key: ticket_id
                    columns:
                      ticket_id: {field: id, type: bigint}
                      %s: {field: value, type: text, merge: latest}
                    """.formatted(name.substring("events-ticket-".length(), name.length() - 1)))));
        }
        assertEquals(List.of("events-tickets", "events-ticket-notes", "events-ticket-closures"),
                List.copyOf(new Flows(all).all().keySet()));
    }

    @Test
    void errorsAcrossFlowsPointAtTheKeyAtFault() throws Exception {
        Path customers = write("cdc-customers", "customers", CUSTOMERS);
        Path calls = write("events-calls", "calls", """
                format: json
                kind: fact
                table: fact_call
                key: event_id
                columns:
                  event_id: {field: eventId, type: uuid}
                  customer_id: {field: customerId, type: bigint}
                lookups:
                  customer: {column: customer_id, dimension: events-tickets, into: customer_key}
                """);
        Path tickets = write("events-tickets", "tickets", """
                format: json
                kind: fact
                table: fact_ticket
                key: ticket_id
                columns:
                  ticket_id: {field: id, type: bigint}
                """);
        assertEquals(calls + ":" + lineOf(calls, "customer: {column") + ": flow 'events-calls', lookup 'customer': 'events-tickets' is not a "
                + "dimension flow; the dimension flows are [cdc-customers]", refused(customers, calls, tickets));

        Path twin = write("events-twin", "tickets", """
                format: json
                kind: fact
                table: fact_twin
                key: id
                columns:
                  id: {field: id, type: bigint}
                """);
        assertEquals(twin + ":" + lineOf(twin, "topic: \"tickets\"") + ": flow 'events-twin' reads topic tickets, which flow "
                + "'events-tickets' reads already", refused(tickets, twin));

        Path tickets2 = write("events-tickets2", "tickets2", """
                format: json
                kind: fact
                table: fact_ticket
                key: ticket_id
                columns:
                  ticket_id: {field: id, type: bigint}
                """);
        assertEquals(tickets2 + ":" + lineOf(tickets2, "table: fact_ticket") + ": flow 'events-tickets2' loads table fact_ticket, which flow "
                + "'events-tickets' loads already; a table is loaded by one flow (a patch may update its columns)", refused(tickets, tickets2));
        Path mirror = write("mirror-tickets", "tickets3", """
                format: debezium
                kind: mirror
                table: fact_ticket
                key: ticket_id
                """);
        assertEquals(mirror + ":" + lineOf(mirror, "table: fact_ticket") + ": flow 'mirror-tickets' loads table fact_ticket, which flow "
                + "'events-tickets' loads already; a table is loaded by one flow (a patch may update its columns)", refused(tickets, mirror));

        Path orders = write("cdc-orders", "orders", """
                format: debezium
                kind: fact
                table: fact_order
                key: order_id
                deletes: soft
                columns:
                  order_id: {field: id, type: bigint}
                """);
        assertEquals(orders + ":" + lineOf(orders, "deletes: soft") + ": flow 'cdc-orders': a fact from changes without a version guard "
                + "cannot apply deletes; declare version: lsn, or deletes: ignore", refused(orders));

        Path sums = write("events-scores", "scores", """
                format: json
                kind: fact
                table: fact_score
                key: id
                columns:
                  id: {field: id, type: bigint}
                  score: {field: score, type: int, required: false}
                rollups:
                  agg_scores:
                    groupBy:
                      score_count: "id % 10"
                    measures:
                      score: sum(score)
                """);
        assertEquals(sums + ":" + lineOf(sums, "score_count: \"id") + ": flow 'events-scores', rollup agg_scores: 'score_count' counts the "
                + "values of the sum score (its column may be NULL); name the other column otherwise", refused(sums));

        Path versioned = write("events-versioned", "versioned", """
                format: json
                kind: fact
                table: fact_versioned
                key: id
                version: at
                columns:
                  id: {field: id, type: bigint}
                  at: {field: at, type: bigint}
                rollups:
                  agg_versioned:
                    groupBy:
                      id: id
                    measures:
                      n: count
                """);
        assertEquals(versioned + ":" + lineOf(versioned, "version: at") + ": flow 'events-versioned': rollups are kept for facts without a "
                + "version guard", refused(versioned));
    }
}
