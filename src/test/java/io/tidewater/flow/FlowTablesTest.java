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
                - templatedRoute:
                    routeTemplateRef: flow-source
                    routeId: events-payments
                    parameters:
                      - {name: flow, value: events-payments}
                      - {name: topic, value: payments}
                - templatedRoute:
                    routeTemplateRef: flow-apply
                    routeId: apply-payments
                    parameters:
                      - {name: flow, value: events-payments}
                """.formatted(amountType);
    }

    @Test
    void aMissingTableAndItsRollupAreCreatedFromTheDeclaration() throws Exception {
        FlowTables.prepare(warehouse.dataSource(), flows("events-payments.camel.yaml", payments("numeric(12,2)")));
        assertEquals(Map.of("payment_id", "uuid", "customer_id", "bigint", "amount", "numeric(12,2)",
                "paid_at", "timestamp with time zone", "customer_key", "bigint"), columns("fact_payment"));
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
}
