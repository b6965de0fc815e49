package io.tidewater;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.tidewater.testing.AppProcess;
import io.tidewater.testing.FlowFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, points 5 and 6, on a running Tidewater: a mapping mistake refused by check and by a live reload before it
 * runs (the flow keeps its previous declaration), and flow files saved in any order or deleted.
 */
class FlowFilesIT {

    private static final Duration WAIT = Duration.ofSeconds(90);

    /** Tickets looked up in the customers dimension, with a daily rollup per region. */
    static final String TICKETS = """
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
            """;

    @TempDir
    Path dir;

    @Test
    void aGroupNamingAMissingColumnIsRefusedByCheckAndByAReloadAndTheFlowKeepsLoading() throws Exception {
        try (AppProcess app = new AppProcess(dir.resolve("app"))) {
            app.setProperty("tidewater.demo.enabled", "false").start();
            await().atMost(WAIT).until(() -> app.get("/observe/health").contains("\"UP\""));
            customer(app, 1, "emea");
            await().atMost(WAIT).until(() -> app.warehouseLong("SELECT count(*) FROM edw.dim_customer") == 1);
            save(app, "events-tickets.camel.yaml", FlowFiles.flow("events-tickets", "events.tickets", TICKETS));
            await().atMost(WAIT).until(() -> running(app, "events-tickets"));
            tickets(app, 1, 10, 1);
            await().atMost(WAIT).until(() -> app.warehouseLong("SELECT count(*) FROM edw.fact_ticket") == 10);

            // check: the broken group, named by file and line, with PostgreSQL's reason.
            String broken = FlowFiles.flow("events-tickets", "events.tickets",
                    TICKETS.replace("date_trunc('day', opened_at, 'UTC')", "date_trunc('day', no_such_column)"));
            Path checked = app.workDir().resolve("checked-routes");
            Files.createDirectories(checked);
            for (Path f : flowFiles(app)) {
                Files.copy(f, checked.resolve(f.getFileName()));
            }
            Files.writeString(checked.resolve("events-tickets.camel.yaml"), broken);
            int groupLine = lineOf(broken, "day: \"date_trunc");
            AppProcess.Response check = app.runCommand("check", "--routes", checked.toString());
            assertEquals(1, check.status(), check.body());
            assertTrue(check.body().contains(checked.resolve("events-tickets.camel.yaml") + ":" + groupLine
                    + ": flow 'events-tickets', rollup agg_tickets_daily, group 'day': column \"no_such_column\" does not exist"), check.body());

            // A live reload of the same file is refused: the flow keeps its declaration and keeps loading.
            String startedAt = app.get("/observe/jolokia/read/org.apache.camel:context=tidewater,type=routes,name=%22events-tickets%22/StartTimestamp");
            save(app, "events-tickets.camel.yaml", broken);
            await().atMost(WAIT).until(() -> app.log().contains("routes/events-tickets.camel.yaml:" + groupLine
                    + ": flow 'events-tickets', rollup agg_tickets_daily, group 'day': column \"no_such_column\" does not exist"));
            tickets(app, 11, 5, 1);
            await().atMost(WAIT).until(() -> app.warehouseLong("SELECT count(*) FROM edw.fact_ticket") == 15);
            assertEquals(Map.of("2026-11-24|emea", 15L), rollup(app));
            assertEquals(startedAt, app.get("/observe/jolokia/read/org.apache.camel:context=tidewater,type=routes,name=%22events-tickets%22/StartTimestamp"),
                    "the refused file did not restart the flow");
            assertTrue(app.get("/observe/health").contains("\"UP\""), app.get("/observe/health"));
        }
    }

    @Test
    void aPatchAndItsFactCopiedTogetherBothLoadADeletedFileStopsItsFlowAndAStartWaitsToo() throws Exception {
        try (AppProcess app = new AppProcess(dir.resolve("app"))) {
            app.setProperty("tidewater.demo.enabled", "false").start();
            await().atMost(WAIT).until(() -> app.get("/observe/health").contains("\"UP\""));

            // Copied in one go, the patch first: it waits for its fact, and starts with it.
            save(app, "events-ticket-closures.camel.yaml", FlowFiles.flow("events-ticket-closures", "events.ticket-closures", CLOSURES));
            save(app, "events-tickets.camel.yaml", FlowFiles.flow("events-tickets", "events.tickets", TICKETS));
            await().atMost(WAIT).until(() -> running(app, "events-tickets") && running(app, "events-ticket-closures"));
            assertTrue(app.log().contains("Flow events-ticket-closures waits for a flow that loads fact_ticket (the table it patches), and "
                    + "starts when one is declared"), app.log());
            app.produce("events.ticket-closures", List.<String[]>of(new String[] {"1", "{\"id\":1,\"closedAt\":\"2026-11-24T12:00:00Z\"}"},
                    new String[] {"7", "{\"id\":7,\"closedAt\":\"2026-11-24T13:00:00Z\"}"}));
            tickets(app, 1, 5, 1);
            await().atMost(WAIT).until(() -> app.warehouseLong("SELECT count(*) FROM edw.fact_ticket WHERE NOT is_placeholder") == 5);
            await().atMost(WAIT).until(() -> app.warehouseLong("SELECT count(*) FROM edw.fact_ticket WHERE closed_at IS NOT NULL") == 2);
            assertEquals(Map.of("2026-11-24|unknown", 5L), rollup(app), "the placeholder of ticket 7 is no fact");

            // The fact's file deleted: its flow stops, its tables stay; the patch goes on (its table is there).
            Files.delete(app.workDir().resolve("routes/events-tickets.camel.yaml"));
            await().atMost(WAIT).until(() -> app.log().contains("Flow events-tickets stopped: routes/events-tickets.camel.yaml was deleted; "
                    + "its tables stay (fact_ticket, agg_tickets_daily)"));
            assertTrue(app.get("/observe/jolokia/read/org.apache.camel:context=tidewater,type=routes,name=%22events-tickets%22/State")
                    .contains("\"status\":404"), "its routes are gone");
            assertTrue(!app.get("/observe/health?exposureLevel=full").contains("flow-events-tickets"), "no health check for it");
            tickets(app, 6, 3, 1);
            app.produce("events.ticket-closures", List.<String[]>of(new String[] {"2", "{\"id\":2,\"closedAt\":\"2026-11-24T14:00:00Z\"}"}));
            await().atMost(WAIT).until(() -> app.warehouseLong("SELECT count(*) FROM edw.fact_ticket WHERE closed_at IS NOT NULL") == 3);
            assertEquals(5, app.warehouseLong("SELECT count(*) FROM edw.fact_ticket WHERE NOT is_placeholder"), "nothing loads the facts now");
            assertEquals(Map.of("2026-11-24|unknown", 5L), rollup(app));

            // A start with a fact whose dimension no file declares: it waits, DOWN in health, and starts with its dimension.
            save(app, "events-visits.camel.yaml", FlowFiles.flow("events-visits", "events.visits", VISITS));
            await().atMost(WAIT).until(() -> app.log().contains("Flow events-visits waits for flow cdc-products (lookup 'product')"));
            app.terminate(Duration.ofSeconds(60));
            app.start();
            await().atMost(WAIT).until(() -> app.get("/observe/health?exposureLevel=full").contains("flow events-visits waits for flow "
                    + "cdc-products (lookup 'product'), and starts when it is declared"));
            await().atMost(WAIT).until(() -> running(app, "cdc-customers"));
            assertTrue(!running(app, "events-visits"), "its routes are made, not started");
            assertTrue(app.get("/observe/health").contains("\"DOWN\""), "a waiting flow loads nothing: not ready");
            app.produce("events.visits", "1", "{\"id\":1,\"productId\":7}");
            save(app, "cdc-products.camel.yaml", Files.readString(Path.of("examples/flows/cdc-products.camel.yaml")));
            await().atMost(WAIT).until(() -> running(app, "events-visits") && running(app, "cdc-products"));
            await().atMost(WAIT).until(() -> app.warehouseLong("SELECT count(*) FROM edw.fact_visit v JOIN edw.dim_product p "
                    + "ON p.product_key = v.product_key WHERE p.product_id = 7") == 1);
            await().atMost(WAIT).until(() -> app.get("/observe/health").contains("\"UP\""));
        }
    }

    /** Closures patched onto tickets, before or after the ticket arrives. */
    static final String CLOSURES = """
            format: json
            kind: patch
            table: fact_ticket
            key: ticket_id
            columns:
              ticket_id: {field: id, type: bigint}
              closed_at: {field: closedAt, type: timestamptz, merge: latest}
            """;

    /** Visits of products, looked up in the products dimension. */
    static final String VISITS = """
            format: json
            kind: fact
            table: fact_visit
            key: visit_id
            columns:
              visit_id: {field: id, type: bigint}
              product_id: {field: productId, type: bigint}
            lookups:
              product: {column: product_id, dimension: cdc-products, into: product_key}
            """;

    /** The flow files of the running app's routes/. */
    static List<Path> flowFiles(AppProcess app) throws Exception {
        try (var files = Files.list(app.workDir().resolve("routes"))) {
            return files.filter(f -> f.toString().endsWith(".camel.yaml")).sorted().toList();
        }
    }

    /** A customer inserted into the CRM (captured into dim_customer). */
    static void customer(AppProcess app, long id, String region) throws Exception {
        try (Connection crm = DriverManager.getConnection(app.jdbcUrl("crm"), "postgres", "")) {
            crm.createStatement().execute("INSERT INTO customers (id, name, email, segment, region, updated_at) VALUES (" + id + ", 'C" + id
                    + "', 'c" + id + "@example.com', 'smb', '" + region + "', now())");
        }
    }

    /** n tickets from id first on, all of one customer, opened on 2026-11-24. */
    static void tickets(AppProcess app, long first, int n, long customer) {
        List<String[]> records = new ArrayList<>();
        for (long id = first; id < first + n; id++) {
            records.add(new String[] {String.valueOf(id), "{\"id\":" + id + ",\"customerId\":" + customer + ",\"openedAt\":\"2026-11-24T10:00:00Z\"}"});
        }
        app.produce("events.tickets", records);
    }

    /** agg_tickets_daily as day|region -> tickets. */
    static Map<String, Long> rollup(AppProcess app) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(app.jdbcUrl("warehouse"), "postgres", "");
             ResultSet rs = c.createStatement().executeQuery("SELECT to_char(day AT TIME ZONE 'UTC', 'YYYY-MM-DD'), region, tickets "
                     + "FROM edw.agg_tickets_daily")) {
            while (rs.next()) {
                out.put(rs.getString(1) + "|" + rs.getString(2), rs.getLong(3));
            }
        }
        return out;
    }

    /** Written aside and moved in one step, as editors save. */
    static void save(AppProcess app, String name, String content) throws Exception {
        Path aside = app.workDir().resolve(name + ".new");
        Files.writeString(aside, content);
        Files.move(aside, app.workDir().resolve("routes").resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static boolean running(AppProcess app, String route) {
        return app.get("/observe/jolokia/read/org.apache.camel:context=tidewater,type=routes,name=%22" + route + "%22/State").contains("Started");
    }

    static int lineOf(String text, String part) {
        return text.lines().takeWhile(l -> !l.contains(part)).toList().size() + 1;
    }
}
