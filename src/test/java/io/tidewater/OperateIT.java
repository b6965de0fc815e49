package io.tidewater;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.tidewater.testing.AppProcess;
import io.tidewater.testing.OutageProxy;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Topics;
import io.tidewater.testing.Warehouse;
import io.tidewater.testing.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged application in external mode (the shared test broker and database, the EDW behind a relay that can be
 * cut): the management port's login and access policy, Prometheus metrics under load, readiness while the EDW is
 * away, and Hawtio started alone behind the same login.
 */
@ExtendWith(SharedInfrastructure.class)
class OperateIT {

    private static final String USER = "operator";
    private static final String PASSWORD = "it-only-" + Long.toHexString(System.nanoTime());
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE);

    @TempDir
    Path dir;

    @Test
    void securedMeteredAndReadyOnlyWithTheWarehouse() throws Exception {
        String calls = TestNames.topic("op-calls");
        String shipping = TestNames.topic("op-shipping");
        String customers = TestNames.topic("op-customers");
        String orders = TestNames.topic("op-orders");
        Topics.ensure(calls, shipping, customers, orders, calls + ".dlq", shipping + ".dlq", customers + ".dlq", orders + ".dlq");
        // A backlog waits in Kafka before the start, so the first lag figures are well above zero.
        Workload w = new Workload(7, 300, 300, 300, 300, 30_000, 300);
        List<String[]> callRecords = new ArrayList<>(w.callRecords);
        for (int i = 0; i < 50; i++) {
            callRecords.add(new String[] {"bad-" + i, "{not json " + i});
        }
        Topics.send(customers, w.customerRecords, null, null);
        Topics.send(calls, callRecords, null, null);

        try (Warehouse warehouse = Warehouse.create(TestNames.schema("op"));
             OutageProxy edw = new OutageProxy(SharedInfrastructure.get().postgresPort()).up();
             AppProcess app = new AppProcess(dir.resolve("app"));
             AppProcess hawtio = new AppProcess(dir.resolve("hawtio"))) {
            app.setProperty("tidewater.kafka.bootstrap-servers", SharedInfrastructure.get().bootstrapServers())
                    .setProperty("tidewater.edw.jdbc-url", "jdbc:postgresql://localhost:" + edw.port() + "/" + SharedInfrastructure.WAREHOUSE_DB)
                    .setProperty("tidewater.edw.username", "postgres")
                    .setProperty("tidewater.edw.schema", warehouse.schema())
                    .setProperty("tidewater.capture.enabled", "false")
                    .setProperty("tidewater.demo.enabled", "false")
                    .setProperty("tidewater.topics.calls", calls)
                    .setProperty("tidewater.topics.shipping", shipping)
                    .setProperty("tidewater.topics.customers", customers)
                    .setProperty("tidewater.topics.orders", orders)
                    .setProperty("tidewater.load.group-id", TestNames.group("op"))
                    .setProperty("tidewater.metrics.lag-interval-ms", "300")
                    .env("TIDEWATER_OPS_PASSWORD", PASSWORD)
                    .start();
            String mgmt = "http://localhost:" + app.managementPort;
            await().atMost(Duration.ofSeconds(90)).until(() -> app.get("/observe/health").contains("\"UP\""));

            // Metrics while the backlog loads: every family shows up with a non-zero value at some scrape.
            Map<String, Double> seen = new HashMap<>();
            List<String> wanted = List.of(
                    "tidewater_events_total{route=\"events-calls\"}",
                    "tidewater_rows_written_total{route=\"events-calls\"}",
                    "tidewater_batch_size_count{route=\"events-calls\"}",
                    "tidewater_e2e_latency_seconds_count{route=\"events-calls\"}",
                    "tidewater_e2e_latency_seconds_bucket{route=\"events-calls\",le=\"+Inf\"}",
                    "tidewater_consumer_lag{topic=\"" + calls + "\"}",
                    "tidewater_cache_hit_ratio{cache=\"cdc-customers\"}",
                    "cache_gets_total{cache=\"cdc-customers\",result=\"hit\"}",
                    "tidewater_dead_letters_total{topic=\"" + calls + "\"}",
                    "camel_exchanges_total{camelContext=\"tidewater\",eventType=\"route\",kind=\"CamelRoute\",routeId=\"events-calls\"}");
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
                samples(app.get("/observe/metrics")).forEach((k, v) -> seen.merge(k, v, Math::max));
                return wanted.stream().allMatch(k -> seen.getOrDefault(k, 0.0) > 0);
            });
            await().atMost(Duration.ofSeconds(120)).until(() -> warehouse.count("SELECT count(*) FROM fact_call") == w.calls.size());
            assertEquals(50.0, samples(app.get("/observe/metrics")).get("tidewater_dead_letters_total{topic=\"" + calls + "\"}"));
            // Once loaded, the lag gauge returns to zero.
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    samples(app.get("/observe/metrics")).get("tidewater_consumer_lag{topic=\"" + calls + "\"}") == 0.0);

            // Jolokia needs the login; health and metrics stay open for probes and scrapers.
            assertEquals(401, AppProcess.http("GET", mgmt + "/observe/jolokia/version", null, null).status());
            assertEquals(401, AppProcess.http("GET", mgmt + "/observe/jolokia/version", USER, "wrong").status());
            AppProcess.Response pipeline = AppProcess.http("GET",
                    mgmt + "/observe/jolokia/read/tidewater:type=pipeline,name=load/RowsWritten", USER, PASSWORD);
            assertEquals(200, pipeline.status());
            assertTrue(pipeline.body().contains("\"status\":200"), pipeline.body());
            assertEquals(200, AppProcess.http("GET", mgmt + "/observe/health", null, null).status());
            // The access policy: route stop/start and our operations are allowed, anything else is refused.
            String route = mgmt + "/observe/jolokia/exec/org.apache.camel:context=tidewater,type=routes,name=%22events-shipping%22/";
            assertTrue(AppProcess.http("GET", route + "stop()", USER, PASSWORD).body().contains("\"status\":200"));
            assertTrue(AppProcess.http("GET", route + "start", USER, PASSWORD).body().contains("\"status\":200"));
            assertTrue(AppProcess.http("GET", mgmt + "/observe/jolokia/exec/tidewater:type=pipeline,name=load/refreshLag",
                    USER, PASSWORD).body().contains("\"status\":200"));
            String gc = AppProcess.http("GET", mgmt + "/observe/jolokia/exec/java.lang:type=Memory/gc", USER, PASSWORD).body();
            assertTrue(gc.contains("\"status\":403") && gc.contains("forbidden"), gc);
            String stopContext = AppProcess.http("GET", mgmt
                    + "/observe/jolokia/exec/org.apache.camel:context=tidewater,type=context,name=%22tidewater%22/stop", USER, PASSWORD).body();
            assertTrue(stopContext.contains("\"status\":403"), stopContext);
            assertTrue(app.isAlive());

            // Hawtio started alone: it asks for the same login, and its proxy reaches Jolokia with it.
            hawtio.setProperty("tidewater.hawtio.jolokia-url", mgmt + "/observe/jolokia")
                    .env("TIDEWATER_OPS_PASSWORD", PASSWORD).command("hawtio").start();
            String hawtioUrl = "http://localhost:" + hawtio.hawtioPort;
            await().atMost(Duration.ofSeconds(60)).until(() -> AppProcess.http("GET", hawtioUrl + "/hawtio/", null, null).status() == 401);
            assertEquals(200, AppProcess.http("GET", hawtioUrl + "/hawtio/", USER, PASSWORD).status());
            assertEquals(401, AppProcess.http("GET", hawtioUrl + "/", null, null).status());
            AppProcess.Response proxied = AppProcess.http("GET", hawtioUrl + "/hawtio/proxy/http/localhost/" + app.managementPort
                    + "/observe/jolokia/read/tidewater:type=pipeline,name=load/RowsWritten", USER, PASSWORD);
            assertTrue(proxied.body().contains("\"status\":200"), proxied.status() + " " + proxied.body());

            // Readiness follows the EDW; liveness does not (a restart would not bring the warehouse back).
            assertTrue(app.get("/observe/health/ready").contains("\"UP\""));
            edw.down();
            await().atMost(Duration.ofSeconds(60)).until(() -> app.get("/observe/health/ready").contains("\"DOWN\""));
            assertEquals(503, AppProcess.http("GET", mgmt + "/observe/health/ready", null, null).status());
            assertTrue(app.get("/observe/health/live").contains("\"UP\""));
            edw.up();
            await().atMost(Duration.ofSeconds(60)).until(() -> app.get("/observe/health/ready").contains("\"UP\""));
        }
    }

    /** Prometheus text format: "name{labels}" to value. */
    private static Map<String, Double> samples(String exposition) {
        Map<String, Double> m = new HashMap<>();
        Matcher matcher = SAMPLE.matcher(exposition);
        while (matcher.find()) {
            String labels = matcher.group(2) == null ? "" : matcher.group(2);
            try {
                m.put(matcher.group(1) + labels, Double.parseDouble(matcher.group(3)));
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
        return m;
    }
}
