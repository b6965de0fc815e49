package io.tidewater.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.tidewater.load.FlowBatch;
import io.tidewater.testing.NamedSql;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Warehouse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, point 1: a fact with a version guard on a declared column, and a patch whose latest values go by a version.
 * Batches of events, read and reduced as the flow reads them, run through the statement the engine generates: a record
 * applies only over an older version.
 */
@ExtendWith(SharedInfrastructure.class)
class VersionGuardTest {

    private static final String FLOW = """
            - beans:
                - name: events-prices
                  type: io.tidewater.flow.FlowDeclaration
                  properties:
                    format: json
                    kind: fact
                    table: fact_price
                    key: sku
                    version: updated_at
                    columns:
                      sku: {field: sku, type: text}
                      price: {field: price, type: "numeric(10,2)"}
                      updated_at: {field: updatedAt, type: timestamptz}
                    source: {topic: prices}
            """;

    private final Warehouse warehouse = Warehouse.create(TestNames.schema("version"));
    @TempDir
    Path dir;

    @AfterEach
    void close() {
        warehouse.close();
    }

    private Flows flows(String yaml) throws Exception {
        Path file = dir.resolve("events-prices.camel.yaml");
        Files.writeString(file, yaml);
        List<FlowSpec> declared = new FlowReader(v -> v).read(file);
        FlowTables.prepare(warehouse.dataSource(), declared);
        return new Flows(declared, null, warehouse.dataSource());
    }

    private static String price(String sku, String price, String at) {
        return "{\"sku\":\"" + sku + "\",\"price\":" + price + ",\"updatedAt\":\"" + at + "\"}";
    }

    private void batch(Flows flows, String... events) throws Exception {
        batchOf(flows, "events-prices", events);
    }

    private void batchOf(Flows flows, String flow, String... events) throws Exception {
        FlowSpec f = flows.flow(flow);
        RecordReader reader = new RecordReader(f, 4096);
        List<RecordReader.Row> rows = new ArrayList<>();
        for (String e : events) {
            rows.add(reader.read(null, e));
        }
        Map<String, Object> params = new HashMap<>(new FlowBatch(f, 4096).bound(rows).parameters());
        params.putAll(NamedSql.noOffsets());
        try (Connection c = warehouse.dataSource().getConnection()) {
            NamedSql.execute(c, flows.statements().statementFor(f.name(), 1), params);
        }
    }

    private String row(String sku) {
        return warehouse.rows("SELECT price::text AS p, updated_at FROM fact_price WHERE sku = ?", sku).stream()
                .map(r -> r.get("p") + " @ " + ((java.sql.Timestamp) r.get("updated_at")).toInstant()).findFirst().orElse("none");
    }

    @Test
    void aRecordAppliesOnlyOverAnOlderVersion() throws Exception {
        Flows flows = flows(FLOW);
        batch(flows, price("A", "10.00", "2026-11-24T10:00:00Z"), price("B", "5.00", "2026-11-24T10:00:00Z"));
        assertEquals("10.00 @ 2026-11-24T10:00:00Z", row("A"));
        // Older than what A has: ignored. Newer for B: applied.
        batch(flows, price("A", "9.00", "2026-11-24T09:00:00Z"), price("B", "6.00", "2026-11-24T10:00:00.5Z"));
        assertEquals("10.00 @ 2026-11-24T10:00:00Z", row("A"));
        assertEquals("6.00 @ 2026-11-24T10:00:00.500Z", row("B"));
        // Two versions of A in one batch, the newer first: the newer wins whatever the order.
        batch(flows, price("A", "12.00", "2026-11-24T12:00:00Z"), price("A", "11.00", "2026-11-24T11:00:00Z"));
        assertEquals("12.00 @ 2026-11-24T12:00:00Z", row("A"));
        // A replay of the same versions changes nothing.
        batch(flows, price("A", "10.00", "2026-11-24T10:00:00Z"), price("A", "12.00", "2026-11-24T12:00:00Z"));
        assertEquals("12.00 @ 2026-11-24T12:00:00Z", row("A"));
    }

    private static final String PATCH = """
            - beans:
                - name: events-tracking
                  type: io.tidewater.flow.FlowDeclaration
                  properties:
                    format: json
                    kind: patch
                    table: fact_shipment
                    key: order_id
                    version: status_seq
                    columns:
                      order_id: {field: orderId, type: bigint}
                      status: {field: status, type: text, required: false, merge: latest}
                      carrier: {field: carrier, type: text, required: false, merge: first}
                      shipped_at: {field: shippedAt, type: timestamptz, required: false, merge: least}
                      status_seq: {field: seq, type: bigint}
                    source: {topic: tracking}
            """;

    private static String tracking(long seq, String status, String carrier, String shippedAt) {
        return "{\"orderId\":7,\"seq\":" + seq + (status == null ? "" : ",\"status\":\"" + status + "\"")
                + (carrier == null ? "" : ",\"carrier\":\"" + carrier + "\"")
                + (shippedAt == null ? "" : ",\"shippedAt\":\"" + shippedAt + "\"") + "}";
    }

    private String shipment() {
        Map<String, Object> r = warehouse.rows("SELECT status, carrier, shipped_at, status_seq FROM fact_shipment WHERE order_id = 7").get(0);
        return r.get("status") + " " + r.get("carrier") + " " + ((java.sql.Timestamp) r.get("shipped_at")).toInstant() + " #" + r.get("status_seq");
    }

    @Test
    void aPatchKeepsTheLatestValueByVersionInAnyArrivalOrder() throws Exception {
        warehouse.execute("CREATE TABLE fact_shipment (order_id bigint PRIMARY KEY, status text, carrier text, shipped_at timestamptz, "
                + "status_seq bigint)");
        Flows flows = flows(PATCH);
        String shipped = tracking(2, "shipped", "DHL", "2026-11-24T10:00:00Z");
        batchOf(flows, "events-tracking", shipped);
        assertEquals("shipped DHL 2026-11-24T10:00:00Z #2", shipment());
        // An older status arriving late changes no latest value; an earlier shipping time still counts (merge: least).
        String created = tracking(1, "created", null, "2026-11-24T09:00:00Z");
        batchOf(flows, "events-tracking", created);
        assertEquals("shipped DHL 2026-11-24T09:00:00Z #2", shipment());
        // Two newer ones in one batch, the newest first: the newest status wins, the first carrier stays.
        String delivered = tracking(4, "delivered", null, null);
        String inTransit = tracking(3, "in_transit", "UPS", null);
        batchOf(flows, "events-tracking", delivered, inTransit);
        assertEquals("delivered DHL 2026-11-24T09:00:00Z #4", shipment());
        // A replay of everything, in another order, changes nothing.
        batchOf(flows, "events-tracking", inTransit, created, delivered, shipped);
        assertEquals("delivered DHL 2026-11-24T09:00:00Z #4", shipment());
    }

    @Test
    void aVersionMustBeAnOrderedColumnReadFromAField() {
        FlowException e = assertThrows(FlowException.class, () -> flows(FLOW.replace("version: updated_at", "version: sku")));
        assertTrue(e.getMessage().contains("version must be lsn or a column read from a field, of type bigint, int, numeric, "
                + "timestamptz or date; was 'sku'"), e.getMessage());
    }
}
