package io.tidewater.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Warehouse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, point 2: a flow's table is created when missing, extended by new columns, and checked against the declaration. */
@ExtendWith(SharedInfrastructure.class)
class FlowTablesTest {

    private final Warehouse warehouse = Warehouse.create(TestNames.schema("tables"));
    @TempDir
    Path dir;

    @AfterEach
    void close() {
        warehouse.close();
    }

    private List<FlowSpec> flows(String extraFile, String yaml) throws Exception {
        List<FlowSpec> all = new ArrayList<>(Flows.read(Path.of("routes"),
                v -> v.replaceAll("\\{\\{([^}]+)}}", "$1").replaceAll(".*(size|seconds)$", "1")));
        if (yaml != null) {
            Path file = dir.resolve(extraFile);
            Files.writeString(file, yaml);
            all.addAll(new FlowReader(v -> v).read(file));
        }
        return all;
    }

    private Map<String, String> columns(String table) {
        Map<String, String> out = new LinkedHashMap<>();
        warehouse.rows("SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a JOIN pg_class c "
                + "ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ? "
                + "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", warehouse.schema(), table)
                .forEach(r -> out.put((String) r.get("name"), (String) r.get("type")));
        return out;
    }

    private static String payments(String amountType) {
        return """
                - beans:
                    - name: events-payments
                      type: io.tidewater.flow.FlowDeclaration
                      properties:
                        format: json
                        kind: fact
                        table: fact_payment
                        key: payment_id
                        columns:
                          payment_id: {field: paymentId, type: uuid}
                          customer_id: {field: customerId, type: bigint}
                          amount: {field: amount, type: "%s"}
                          paid_at: {field: paidAt, type: timestamptz}
                        lookups:
                          customer: {column: customer_id, dimension: cdc-customers, into: customer_key}
                        rollups:
                          agg_payments_daily:
                            groupBy:
                              day: "date_trunc('day', paid_at, 'UTC')"
                              region: "coalesce(customer.region, 'unknown')"
                            measures:
                              payments: count
                              amount: sum(amount)
                        source: {topic: payments}
                """.formatted(amountType);
    }

    /**
     * Issue 20: a rollup whose sum is over a column that may be NULL counts that column's values, and a table made before
     * (whose sums a NULL poisoned) gains the count and is recomputed from its facts, placeholders left out.
     */
    @Test
    void aSumOverAnOptionalColumnGainsItsCountAndIsRecomputedFromTheFacts() throws Exception {
        FlowTables.prepare(warehouse.dataSource(), flows("events-payments.camel.yaml", payments("numeric(12,2)")));
        warehouse.execute("INSERT INTO fact_payment (payment_id, customer_id, amount, paid_at) VALUES "
                + "('00000000-0000-0000-0000-000000000001', 1, 5.00, '2026-11-01T10:00:00Z'), "
                + "('00000000-0000-0000-0000-000000000002', 1, NULL, '2026-11-01T11:00:00Z'), "
                + "('00000000-0000-0000-0000-000000000003', 1, NULL, '2026-11-02T11:00:00Z')");
        warehouse.execute("INSERT INTO fact_payment (payment_id, amount, is_placeholder) VALUES ('00000000-0000-0000-0000-000000000004', 7, TRUE)");
        warehouse.execute("INSERT INTO agg_payments_daily VALUES ('2026-11-01T00:00:00Z', 'unknown', 2, NULL), "
                + "('2026-11-02T00:00:00Z', 'unknown', 1, NULL)");
        String optional = payments("numeric(12,2)").replace("type: \"numeric(12,2)\"}", "type: \"numeric(12,2)\", required: false}");
        FlowTables.prepare(warehouse.dataSource(), flows("events-payments.camel.yaml", optional));
        assertEquals("bigint", columns("agg_payments_daily").get("amount_count"));
        List<Map<String, Object>> rows = warehouse.rows("SELECT to_char(day AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, payments, amount, "
                + "amount_count FROM agg_payments_daily ORDER BY day");
        assertEquals(2, rows.size());
        assertEquals(List.of("2026-11-01", 2L, new java.math.BigDecimal("5.00"), 1L), List.copyOf(rows.get(0).values()));
        assertEquals(java.util.Arrays.asList("2026-11-02", 1L, null, 0L), new ArrayList<>(rows.get(1).values()));
    }

    @Test
    void aMissingTableAndItsRollupAreCreatedFromTheDeclaration() throws Exception {
        FlowTables.prepare(warehouse.dataSource(), flows("events-payments.camel.yaml", payments("numeric(12,2)")));
        assertEquals(Map.of("payment_id", "uuid", "customer_id", "bigint", "amount", "numeric(12,2)",
                "paid_at", "timestamp with time zone", "customer_key", "bigint", "is_placeholder", "boolean"), columns("fact_payment"));
        assertEquals(Map.of("day", "timestamp with time zone", "region", "text", "payments", "bigint", "amount", "numeric"),
                columns("agg_payments_daily"));
        assertEquals(1, warehouse.count("SELECT count(*) FROM pg_indexes WHERE schemaname = '" + warehouse.schema()
                + "' AND tablename = 'agg_payments_daily' AND indexdef LIKE '%UNIQUE%(day, region)%'"));
        // Filling in a customer moves its payments in the rollup: found by the lookup's key.
        assertEquals(1, warehouse.count("SELECT count(*) FROM pg_indexes WHERE schemaname = '" + warehouse.schema()
                + "' AND tablename = 'fact_payment' AND indexdef LIKE '%(customer_key)'"));
        // The demo tables, made by the migrations, match their declarations: nothing changes.
        assertEquals(12, columns("fact_order").size());
    }

    @Test
    void aNewlyMappedColumnIsAdded() throws Exception {
        FlowTables.prepare(warehouse.dataSource(), flows("events-payments.camel.yaml", payments("numeric(12,2)")));
        String more = payments("numeric(12,2)").replace("          paid_at: {field: paidAt, type: timestamptz}\n",
                "          paid_at: {field: paidAt, type: timestamptz}\n          method: {field: method, type: varchar(20), required: false}\n");
        FlowTables.prepare(warehouse.dataSource(), flows("events-payments.camel.yaml", more));
        assertEquals("character varying(20)", columns("fact_payment").get("method"));
    }

    @Test
    void aColumnOfAnotherTypeFailsNamingTheFlowTheColumnAndBothTypes() throws Exception {
        FlowTables.prepare(warehouse.dataSource(), flows("events-payments.camel.yaml", payments("numeric(12,2)")));
        FlowException e = assertThrows(FlowException.class,
                () -> FlowTables.prepare(warehouse.dataSource(), flows("events-payments.camel.yaml", payments("bigint"))));
        assertTrue(e.getMessage().contains("flow 'events-payments', column 'amount': declared bigint, but fact_payment.amount is numeric(12,2)"),
                e.getMessage());
        assertTrue(e.getMessage().startsWith(dir.resolve("events-payments.camel.yaml") + ":12:"), e.getMessage());
    }

    /** A table keeps the key it was made with: a flow declaring another fails at its key's line, naming the table's. */
    @Test
    void aChangedKeyFailsAtItsLineNamingTheTablesKey() throws Exception {
        FlowTables.prepare(warehouse.dataSource(), flows("events-payments.camel.yaml", payments("numeric(12,2)")));
        String rekeyed = payments("numeric(12,2)").replace("key: payment_id", "key: customer_id");
        FlowException e = assertThrows(FlowException.class,
                () -> FlowTables.prepare(warehouse.dataSource(), flows("events-payments.camel.yaml", rekeyed)));
        assertEquals(8, e.line(), e.getMessage());
        assertTrue(e.getMessage().contains("flow 'events-payments': key (customer_id), but fact_payment's unique keys are [(payment_id)]"),
                e.getMessage());
    }

    /** A dimension keeps its surrogate key: a renamed one fails at its line instead of adding an empty column. */
    @Test
    void aRenamedSurrogateKeyFailsAtItsLine() throws Exception {
        Path file = dir.resolve("cdc-customers.camel.yaml");
        Files.writeString(file, Files.readString(Path.of("routes/cdc-customers.camel.yaml")).replace("surrogateKey: customer_key",
                "surrogateKey: cust_sk"));
        List<FlowSpec> flows = new ArrayList<>(flows(null, null).stream().filter(f -> !f.name().equals("cdc-customers")).toList());
        flows.addAll(new FlowReader(v -> v.replaceAll("\\{\\{([^}]+)}}", "$1").replaceAll(".*(size|seconds)$", "1")).read(file));
        FlowException e = assertThrows(FlowException.class, () -> FlowTables.prepare(warehouse.dataSource(), flows));
        assertEquals(lineOf(file, "surrogateKey:"), e.line(), e.getMessage());
        assertTrue(e.getMessage().contains("surrogate key 'cust_sk', but dim_customer has no such column"), e.getMessage());
        assertTrue(columns("dim_customer").containsKey("customer_key") && !columns("dim_customer").containsKey("cust_sk"));
    }

    private static int lineOf(Path file, String text) throws Exception {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(text + " not in " + file);
    }
}
