package io.tidewater;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidewater.testing.AppProcess;
import io.tidewater.testing.Envelopes;
import io.tidewater.testing.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, points 4 and 7: the README's "Add your own flow", done on a running Tidewater. The two example files are
 * saved into routes/; each flow starts with its tables and dead-letter topic, and loads what is produced to its topic.
 */
class AddYourOwnFlowIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Path PAYMENTS = Path.of("examples/flows/events-payments.camel.yaml");
    private static final Path PRODUCTS = Path.of("examples/flows/cdc-products.camel.yaml");

    @TempDir
    Path dir;

    @Test
    void aNewEventFlowAndANewDimensionStartWhenTheirFilesAreSaved() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        assertTrue(readme.contains(Files.readString(PAYMENTS)), "the README shows the payments flow as it is in " + PAYMENTS);
        assertTrue(readme.contains(Files.readString(PRODUCTS)), "the README shows the products flow as it is in " + PRODUCTS);
        try (AppProcess app = new AppProcess(dir.resolve("app"))) {
            app.setProperty("tidewater.demo.enabled", "false").start();
            await().atMost(Duration.ofSeconds(90)).until(() -> app.get("/observe/health").contains("\"UP\""));

            // Two customers the CRM knows (captured into dim_customer); payments of customer 3 arrive before it exists.
            try (Connection crm = DriverManager.getConnection(app.jdbcUrl("crm"), "postgres", "")) {
                crm.createStatement().execute("INSERT INTO customers (id, name, email, segment, region, updated_at) VALUES "
                        + "(1, 'Ada', 'ada@example.com', 'smb', 'emea', now()), (2, 'Bob', 'bob@example.com', 'enterprise', 'amer', now())");
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> app.warehouseLong("SELECT count(*) FROM edw.dim_customer") == 2);

            save(app, PAYMENTS);
            await().atMost(Duration.ofSeconds(60)).until(() -> running(app, "events-payments"));
            Map<String, String> region = Map.of("1", "emea", "2", "amer", "3", "unknown");
            List<String[]> payments = new ArrayList<>();
            Map<String, long[]> expected = new TreeMap<>();
            Instant day = Instant.parse("2026-11-24T00:00:00Z");
            int valid = 0;
            for (int i = 0; i < 60; i++) {
                String customer = String.valueOf(1 + i % 3);
                String currency = i % 2 == 0 ? "EUR" : "USD";
                long amount = 100 + i;
                Instant paidAt = day.plus(i % 2, ChronoUnit.DAYS).plusSeconds(i * 60L);
                payments.add(new String[] {String.valueOf(i), "{\"paymentId\":\"" + UUID.randomUUID() + "\",\"customerId\":" + customer
                        + ",\"amountCents\":" + amount + ",\"currency\":\"" + currency + "\",\"paidAt\":\"" + paidAt + "\"}"});
                long[] group = expected.computeIfAbsent(paidAt.truncatedTo(ChronoUnit.DAYS) + "|" + region.get(customer) + "|" + currency,
                        k -> new long[2]);
                group[0]++;
                group[1] += amount;
                valid++;
            }
            payments.add(new String[] {"bad-1", "{\"paymentId\":\"" + UUID.randomUUID() + "\",\"customerId\":1,\"amountCents\":5,"
                    + "\"currency\":\"CHF\",\"paidAt\":\"2026-11-24T10:00:00Z\"}"});
            payments.add(new String[] {"bad-2", "{\"paymentId\":\"" + UUID.randomUUID() + "\",\"customerId\":1,\"amountCents\":0,"
                    + "\"currency\":\"EUR\",\"paidAt\":\"2026-11-24T10:00:00Z\"}"});
            app.produce("events.billing.payments", payments);
            int loaded = valid;
            await().atMost(Duration.ofSeconds(60)).until(() -> app.warehouseLong("SELECT count(*) FROM edw.fact_payment") == loaded);
            assertEquals(2, Topics.readAll("localhost:" + app.kafkaPort, "events.billing.payments.dlq", 2, Duration.ofSeconds(30)).size());
            assertEquals(loaded, app.warehouseLong("SELECT count(*) FROM edw.fact_payment WHERE method = 'card'"),
                    "the declared default for a missing method");
            assertEquals(40, app.warehouseLong("SELECT count(*) FROM edw.fact_payment p JOIN edw.dim_customer d "
                    + "ON d.customer_key = p.customer_key WHERE NOT d.is_inferred"), "customers 1 and 2 looked up");
            assertEquals(20, app.warehouseLong("SELECT count(*) FROM edw.fact_payment p JOIN edw.dim_customer d "
                    + "ON d.customer_key = p.customer_key WHERE d.is_inferred AND d.customer_id = 3"), "customer 3 inferred");
            assertEquals(asText(expected), asText(rollup(app)));
            // The new flow has its own health check, with its figures.
            JsonNode health = StreamSupport.stream(JSON.readTree(app.get("/observe/health?exposureLevel=full&data=true")).path("checks")
                    .spliterator(), false).filter(c -> c.path("name").asText().equals("flow-events-payments")).findFirst().orElseThrow();
            assertEquals("UP", health.path("status").asText());
            assertEquals(payments.size(), health.path("data").path("records").asLong(), "records read");
            assertEquals(loaded, health.path("data").path("rows").asLong(), "rows written");
            assertEquals(2, health.path("data").path("dead.letters").asLong());
            assertEquals("fact_payment", health.path("data").path("table").asText());

            // A broken edit (a type that does not exist) is refused: the flow keeps running its previous declaration.
            String startedAt = app.get("/observe/jolokia/read/org.apache.camel:context=tidewater,type=routes,name=%22events-payments%22/StartTimestamp");
            Path broken = app.workDir().resolve("broken.new");
            Files.writeString(broken, Files.readString(PAYMENTS).replace("type: bigint, min: 1", "type: money, min: 1"));
            Files.move(broken, app.workDir().resolve("routes/events-payments.camel.yaml"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            List<String[]> more = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                more.add(new String[] {"more-" + i, "{\"paymentId\":\"" + UUID.randomUUID() + "\",\"customerId\":1,\"amountCents\":10,"
                        + "\"currency\":\"GBP\",\"paidAt\":\"2026-11-26T10:00:00Z\"}"});
            }
            app.produce("events.billing.payments", more);
            await().atMost(Duration.ofSeconds(60)).until(() -> app.warehouseLong("SELECT count(*) FROM edw.fact_payment") == loaded + 5);
            assertEquals(startedAt, app.get("/observe/jolokia/read/org.apache.camel:context=tidewater,type=routes,name=%22events-payments%22/StartTimestamp"),
                    "the refused edit did not restart the flow");
            expected.put("2026-11-26T00:00:00Z|emea|GBP", new long[] {5, 50});

            // The customer of the early payments arrives: its payments move from 'unknown' to its region in the rollup.
            try (Connection crm = DriverManager.getConnection(app.jdbcUrl("crm"), "postgres", "")) {
                crm.createStatement().execute("INSERT INTO customers (id, name, email, segment, region, updated_at) VALUES "
                        + "(3, 'Cy', 'cy@example.com', 'smb', 'apac', now())");
            }
            Map<String, long[]> moved = new TreeMap<>();
            expected.forEach((k, v) -> moved.merge(k.replace("|unknown|", "|apac|"), v.clone(), (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]}));
            await().atMost(Duration.ofSeconds(60)).until(() -> asText(rollup(app)).equals(asText(moved)));

            // A new type-2 dimension from a CDC topic (here the envelopes Debezium publishes for sales.public.products).
            save(app, PRODUCTS);
            await().atMost(Duration.ofSeconds(60)).until(() -> running(app, "cdc-products"));
            app.produce("cdc.sales.public.products", List.of(
                    new String[] {"{\"id\":1}", Envelopes.product("c", 1, "Lamp", "home", 2500, 100)},
                    new String[] {"{\"id\":1}", Envelopes.product("u", 1, "Desk lamp", "home", 2500, 110)},
                    new String[] {"{\"id\":1}", Envelopes.product("u", 1, "Desk lamp", "home", 2900, 120)},
                    new String[] {"{\"id\":2}", Envelopes.product("c", 2, "Chair", "office", 9000, 130)},
                    new String[] {"{\"id\":2}", Envelopes.product("d", 2, "Chair", "office", 9000, 140)}));
            await().atMost(Duration.ofSeconds(60)).until(() -> app.warehouseLong("SELECT count(*) FROM edw.dim_product") == 3);
            assertEquals(List.of("1|Desk lamp|2500|false|" + Envelopes.committedAt(120), "1|Desk lamp|2900|true|null",
                    "2|Chair|9000|false|" + Envelopes.committedAt(140)), products(app));
        }
    }

    /** Written aside and moved in one step, as editors save, so the watcher never sees a half-written file. */
    private static void save(AppProcess app, Path example) throws Exception {
        Path aside = app.workDir().resolve(example.getFileName() + ".new");
        Files.copy(example, aside, StandardCopyOption.REPLACE_EXISTING);
        Files.move(aside, app.workDir().resolve("routes").resolve(example.getFileName()), StandardCopyOption.ATOMIC_MOVE);
    }

    private static boolean running(AppProcess app, String route) {
        return app.get("/observe/jolokia/read/org.apache.camel:context=tidewater,type=routes,name=%22" + route + "%22/State")
                .contains("Started");
    }

    private static Map<String, String> asText(Map<String, long[]> groups) {
        Map<String, String> out = new TreeMap<>();
        groups.forEach((k, v) -> out.put(k, v[0] + " payments, " + v[1] + " cents"));
        return out;
    }

    /** agg_payments_daily as day|region|currency -> (payments, amount_cents). */
    private static Map<String, long[]> rollup(AppProcess app) throws Exception {
        Map<String, long[]> out = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(app.jdbcUrl("warehouse"), "postgres", "");
             PreparedStatement ps = c.prepareStatement("SELECT day, region, currency, payments, amount_cents FROM edw.agg_payments_daily");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getTimestamp(1).toInstant() + "|" + rs.getString(2) + "|" + rs.getString(3),
                        new long[] {rs.getLong(4), rs.getLong(5)});
            }
        }
        return out;
    }

    /** dim_product as product_id|name|price|is_current|valid_to, by product and version. */
    private static List<String> products(AppProcess app) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(app.jdbcUrl("warehouse"), "postgres", "");
             PreparedStatement ps = c.prepareStatement(
                     "SELECT product_id, name, price_cents, is_current, valid_to FROM edw.dim_product ORDER BY product_id, valid_from");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getLong(3) + "|" + rs.getBoolean(4) + "|"
                        + (rs.getTimestamp(5) == null ? "null" : rs.getTimestamp(5).toInstant()));
            }
        }
        return out;
    }
}
