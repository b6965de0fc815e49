package io.tidewater.capture;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.tidewater.testing.FlowFiles;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Topics;
import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, "A flow is one declaration": a third database is captured from a tidewater.capture.&lt;db&gt;.* block of
 * properties and nothing else (no route file, no Java, not even capture's own tables made beforehand), next to the
 * demo's two, and a flow loads its table into the warehouse.
 */
class CaptureThirdDatabaseRouteTest extends LoadRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(90);

    // Set in settings(), which runs from the constructor: no field initializers.
    private String database;
    private String erpSlot;
    private String topic;
    private Path routes;

    @Override
    protected boolean withCapture() {
        return true;
    }

    @Override
    protected Path routesDir() {
        return routes;
    }

    @Override
    protected Map<String, String> settings() {
        database = TestNames.schema("erp");
        erpSlot = TestNames.schema("slot_erp");
        topic = capturePrefix + ".erp.public.invoices";
        try {
            try (Connection c = connect("postgres"); PreparedStatement ps = c.prepareStatement("CREATE DATABASE " + database)) {
                ps.execute();
            }
            exec("CREATE TABLE invoices (id bigint PRIMARY KEY, customer text NOT NULL, amount_cents bigint NOT NULL)");
            exec("INSERT INTO invoices VALUES (1, 'Ada', 1200), (2, 'Bo', 3400)");
            Topics.ensure(topic, topic + ".dlq");
            routes = FlowFiles.shippedRoutes("erp-routes");
            Files.writeString(routes.resolve("cdc-invoices.camel.yaml"), FlowFiles.flow("cdc-invoices", topic, """
                    format: debezium
                    kind: fact
                    version: lsn
                    deletes: hard
                    table: fact_invoice
                    key: invoice_id
                    columns:
                      invoice_id: {field: id, type: bigint}
                      customer: {field: customer, type: text}
                      amount_cents: {field: amount_cents, type: bigint}
                    """));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        // The whole of what adds the database (its host and user are the defaults, localhost and postgres).
        Map<String, String> s = new HashMap<>();
        s.put("tidewater.capture.erp.port", String.valueOf(SharedInfrastructure.get().postgresPort()));
        s.put("tidewater.capture.erp.dbname", database);
        s.put("tidewater.capture.erp.tables", "public.invoices");
        s.put("tidewater.capture.erp.password", "test");
        s.put("tidewater.capture.erp.slot", erpSlot);
        s.put("tidewater.capture.erp.topic-prefix", capturePrefix + ".erp");
        return s;
    }

    private static Connection connect(String db) throws Exception {
        return DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl(db), "postgres", "");
    }

    private void exec(String sql) throws Exception {
        try (Connection c = connect(database); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.execute();
        }
    }

    @AfterEach
    void dropTheThirdSlot() throws Exception {
        context.stop();
        try (Connection c = connect(database); PreparedStatement ps = c.prepareStatement(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
            ps.setString(1, erpSlot);
            ps.executeQuery().close();
        }
    }

    @Test
    void aPropertiesBlockAloneCapturesADatabaseThatAFlowLoads() throws Exception {
        for (String id : List.of("capture-crm", "capture-sales", "capture-erp")) {
            assertNotNull(context.getRoute(id), id);
        }
        // The rows there before capture started (the initial snapshot), then a change streamed.
        await("snapshot").atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_invoice") == 2);
        exec("UPDATE invoices SET amount_cents = 1250 WHERE id = 1");
        exec("INSERT INTO invoices VALUES (3, 'Cy', 990)");
        await("streamed").atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_invoice") == 3
                && warehouse.count("SELECT count(*) FROM fact_invoice WHERE amount_cents = 1250") == 1);
        assertEquals(List.of(Map.of("invoice_id", 1L, "customer", "Ada", "amount_cents", 1250L),
                        Map.of("invoice_id", 2L, "customer", "Bo", "amount_cents", 3400L),
                        Map.of("invoice_id", 3L, "customer", "Cy", "amount_cents", 990L)),
                warehouse.rows("SELECT invoice_id, customer, amount_cents FROM fact_invoice ORDER BY invoice_id"));

        CaptureHealthCheck health = new CaptureHealthCheck(context, context.getRegistry().findSingleByType(ChangePublisher.class),
                List.of(CaptureRoutes.routeId("crm"), CaptureRoutes.routeId("sales"), CaptureRoutes.routeId("erp")));
        health.setCamelContext(context);
        assertEquals(HealthCheck.State.UP, health.call().getState(), String.valueOf(health.call().getMessage()));
        assertEquals(0L, Topics.size(topic + ".dlq"));
    }
}
